"""The corpus check: `python -m tests.fix.corpus DIR...` applies every rewrite (`fix --apply --unsafe`) to a
copy of each folder (a real repository: never committed here) and counts, from the result, what a
maintainer would reject. Goal: every count 0.

- `export_empty`: new `export(..., ())` calls (an export with no inputs raises until someone edits it);
- `doubled`: new `A and A` / `A or A` operands;
- `pyflakes`: new pyflakes warnings on changed files;
- `script_only`: ScriptModule-only attributes (`.code`, `.graph`, ...) read on a name a rewrite now binds;
- `not_compiling`: changed files that no longer compile;
- `second_run`: files changed by a second run.

Prints one JSON line per folder with the rewrites and files changed.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import sys
import tempfile

from migrate.fix import suggest
from migrate.fix.api import apply
from migrate.config import resolve_scan_config

SCRIPT_ONLY = {"code", "graph", "inlined_graph", "_c", "original_name"}


def _tree(text: str):
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError):
        return None


def _empty_exports(tree) -> int:
    return sum(1 for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
               and n.func.attr == "export" and len(n.args) >= 2 and isinstance(n.args[1], ast.Tuple)
               and not n.args[1].elts)


def _doubled(tree) -> int:
    count = 0
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp):
            dumps = [ast.dump(v) for v in node.values]
            count += len(dumps) - len(set(dumps))
    return count


def _script_only(tree, new_lines: set[int]) -> int:
    """Reads of ScriptModule-only attributes on names assigned on a rewritten line."""
    rebound = {t.id for n in ast.walk(tree) if isinstance(n, ast.Assign) and n.lineno in new_lines
               for t in n.targets if isinstance(t, ast.Name)}
    return sum(1 for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in SCRIPT_ONLY
               and isinstance(n.value, ast.Name) and n.value.id in rebound)


def _pyflakes(text: str, path: str) -> int:
    from pyflakes.api import check
    from pyflakes.reporter import Reporter
    import io

    out = io.StringIO()
    return check(text, path, Reporter(out, io.StringIO()))


def _changed_lines(old: str, new: str) -> set[int]:
    import difflib

    lines = set()
    matcher = difflib.SequenceMatcher(None, old.splitlines(), new.splitlines(), autojunk=False)
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            lines.update(range(j1 + 1, j2 + 1))
    return lines


def check_folder(folder: str) -> dict:
    work = tempfile.mkdtemp(prefix="migrate-corpus-")
    try:
        copy = os.path.join(work, "repo")
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__", ".git"))
        config, _ = resolve_scan_config([copy], cache=False)
        result = suggest([copy], config=config, unsafe=True)
        before = {}
        for item in result.files:
            with open(os.path.join(copy, item.path), encoding="utf-8", errors="surrogateescape") as handle:
                before[item.path] = handle.read()
        apply([copy], config=config, unsafe=True)
        counts = dict(export_empty=0, doubled=0, pyflakes=0, script_only=0, not_compiling=0, second_run=0)
        for path, old in before.items():
            with open(os.path.join(copy, path), encoding="utf-8", errors="surrogateescape") as handle:
                new = handle.read()
            old_tree, new_tree = _tree(old), _tree(new)
            if new_tree is None:
                counts["not_compiling"] += 1
                continue
            try:
                compile(new, path, "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                counts["not_compiling"] += 1
            counts["export_empty"] += max(0, _empty_exports(new_tree) - (_empty_exports(old_tree) if old_tree else 0))
            counts["doubled"] += max(0, _doubled(new_tree) - (_doubled(old_tree) if old_tree else 0))
            counts["script_only"] += _script_only(new_tree, _changed_lines(old, new))
            counts["pyflakes"] += max(0, _pyflakes(new, path) - _pyflakes(old, path))
        again = suggest([copy], config=config, unsafe=True)
        counts["second_run"] = len(again.files)
        return dict(folder=folder, rewrites=sum(len(f.rewrites) for f in result.files),
                    files_changed=len(result.files), manual=len(result.manual), **counts)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    for folder in argv:
        print(json.dumps(check_folder(folder)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
