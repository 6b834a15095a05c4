"""The corpus check: `python -m tests.fix.corpus DIR...` applies every rewrite (`fix --apply --unsafe`) to a
copy of each folder (a real repository: never committed here) and counts, from the result, what a
maintainer would reject. Goal: every count 0.

- `export_empty`: new `export(..., ())` calls (an export with no inputs raises until someone edits it);
- `doubled`: new `A and A` / `A or A` operands;
- `pyflakes`: new pyflakes warnings on changed files;
- `script_only`: ScriptModule-only attributes (`.code`, `.graph`, ...) read on a name a rewrite now binds;
- `not_compiling`: changed files that no longer compile;
- `second_run`: files changed by a second run;
- `foreign_load`: new `export.load(p)` calls where no `export.save(..., p)` in the same file writes `p` (a
  TorchScript asset, which torch.export.load cannot read);
- `script_consumer`: `add_graph` / `optimize_for_mobile` given an exported module (they need a ScriptModule);
- `vacuous_test`: in test code, a scripted/traced value rebound to a plain name (`scripted = pool`), so the
  test compares the module with itself.

Prints one JSON line per folder with the rewrites, files changed, the counts and, per count, the files
(`where`). `--diffs=DIR` (first argument) also writes each changed file's diff into DIR, to read them.
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


CONSUMERS = {"add_graph", "optimize_for_mobile"}


def _is_attr_call(node, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == name


def _foreign_loads(tree) -> int:
    saved = {ast.dump(n.args[1]) for n in ast.walk(tree) if _is_attr_call(n, "save") and len(n.args) >= 2
             and isinstance(n.func.value, ast.Attribute) and n.func.value.attr == "export"}
    return sum(1 for n in ast.walk(tree) if _is_attr_call(n, "load") and n.args
               and isinstance(n.func.value, ast.Attribute) and n.func.value.attr == "export"
               and ast.dump(n.args[0]) not in saved)


def _rebound(tree, new_lines: set[int]) -> dict[str, ast.Assign]:
    return {t.id: n for n in ast.walk(tree) if isinstance(n, ast.Assign) and n.lineno in new_lines
            for t in n.targets if isinstance(t, ast.Name)}


def _script_consumers(tree, new_lines: set[int]) -> int:
    rebound = _rebound(tree, new_lines)
    count = 0
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and n.args and isinstance(n.func, (ast.Attribute, ast.Name)) and \
                (n.func.attr if isinstance(n.func, ast.Attribute) else n.func.id) in CONSUMERS:
            first = n.args[0]
            if n.lineno in new_lines and "export" in ast.unparse(first) or \
                    isinstance(first, ast.Name) and first.id in rebound:
                count += 1
    return count


def _vacuous_tests(tree, new_lines: set[int], old_text: str, path: str) -> int:
    """`scripted = pool` on a rewritten line of test code, where the old line scripted or traced."""
    old_lines = old_text.splitlines()
    test_file = os.path.basename(path).startswith("test") or os.path.basename(path).endswith("_test.py")
    count = 0
    for function in ast.walk(tree):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if not (test_file or function.name.startswith("test")):
            continue
        for n in ast.walk(function):
            if isinstance(n, ast.Assign) and n.lineno in new_lines and isinstance(n.value, ast.Name) and \
                    any(("jit.script" in line or "jit.trace" in line) for line in old_lines[max(0, n.lineno - 3):n.lineno + 2]):
                count += 1
    return count


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


def _write_diff(diffs: str, folder: str, path: str, old: str, new: str) -> None:
    import difflib

    name = os.path.basename(os.path.normpath(folder)) + "__" + path.replace("/", "__") + ".diff"
    with open(os.path.join(diffs, name), "w", encoding="utf-8", errors="surrogateescape") as handle:
        handle.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), f"a/{path}", f"b/{path}"))


def check_folder(folder: str, diffs: str | None = None) -> dict:
    """The counts for one folder; with `diffs`, each changed file's diff is written there (to read them)."""
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
        counts = dict(export_empty=0, doubled=0, pyflakes=0, script_only=0, not_compiling=0, second_run=0,
                      foreign_load=0, script_consumer=0, vacuous_test=0)
        where: dict[str, list[str]] = {}

        def count(name: str, found: int, path: str) -> None:
            if found > 0:
                counts[name] += found
                where.setdefault(name, []).append(path)

        for path, old in before.items():
            with open(os.path.join(copy, path), encoding="utf-8", errors="surrogateescape") as handle:
                new = handle.read()
            if diffs:
                _write_diff(diffs, folder, path, old, new)
            old_tree, new_tree = _tree(old), _tree(new)
            if new_tree is None:
                count("not_compiling", 1, path)
                continue
            try:
                compile(new, path, "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                count("not_compiling", 1, path)
            count("export_empty", _empty_exports(new_tree) - (_empty_exports(old_tree) if old_tree else 0), path)
            count("doubled", _doubled(new_tree) - (_doubled(old_tree) if old_tree else 0), path)
            changed = _changed_lines(old, new)
            count("script_only", _script_only(new_tree, changed), path)
            count("foreign_load", _foreign_loads(new_tree) - (_foreign_loads(old_tree) if old_tree else 0), path)
            count("script_consumer", _script_consumers(new_tree, changed), path)
            count("vacuous_test", _vacuous_tests(new_tree, changed, old, path), path)
            count("pyflakes", _pyflakes(new, path) - _pyflakes(old, path), path)
        again = suggest([copy], config=config, unsafe=True)
        counts["second_run"] = len(again.files)
        if again.files:
            where["second_run"] = [f.path for f in again.files]
        return dict(folder=folder, rewrites=sum(len(f.rewrites) for f in result.files),
                    files_changed=len(result.files), manual=len(result.manual), **counts, where=where)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    diffs = None
    if argv[0].startswith("--diffs="):
        diffs = argv.pop(0).split("=", 1)[1]
        os.makedirs(diffs, exist_ok=True)
    for folder in argv:
        print(json.dumps(check_folder(folder, diffs)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
