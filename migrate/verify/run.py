"""`migrate verify` end to end: copy, rewrite the copy, convert twice, compare, bisect (files and processes).

The pure parts are ``core`` (the comparison) and ``hunks`` (hunks of a rewritten file); this module
runs the fix stage's API (``migrate.fix.suggest``: the rewrites `migrate fix` would write), writes
them into the scratch copy (``scratch``), and runs the convert stage's API (``migrate.convert.convert``,
its supervisor and workers) once against the original tree and once against the copy, with the
``verify.eager`` strategy added through ``MIGRATE_STRATEGY_PATH``.

Bisect: when a target regressed and more than one rewritten file it imports could be the cause, the
copy is set back to the original with one of those files rewritten at a time, and only that target
and the strategy that regressed are converted again; the same is then done for each hunk of a file
found guilty that has more than one.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from migrate.verify import core
from migrate.verify.hunks import apply_hunks, hunks
from migrate.verify.scratch import Scratch, environment, inside, scratch_folder
from migrate.verify.strategies import eager_before as eager_check

STRATEGY_FOLDER = str(Path(eager_check.__file__).parent)


class UsageError(ValueError):
    """A bad path, bad targets, an unknown strategy: the command exits 2 with this message."""


@dataclass
class Options:
    unsafe: bool = False
    strategies: list[str] | None = None
    skip: list[str] = field(default_factory=list)
    only: list[str] | None = None  # target name patterns
    threads: int = 1
    timeout: float = 300.0
    cpp: bool = False
    min_run_time: float = 0.2
    import_paths: list[str] = field(default_factory=list)  # --path
    bisect: bool = True


@dataclass
class _Rewritten:
    path: str  # relative to the fix root (as FileFix.path)
    absolute: Path
    original: object  # writeback.Source of the copy before rewriting
    new_text: str


def verify(paths: list[str], targets: list[str], options: Options | None = None, config=None,
           on_event: Callable[[dict], None] | None = None) -> dict:
    """The verify JSON object (``core.result_dict``) for ``paths`` and ``targets``. Raises UsageError."""
    from migrate import __version__
    from migrate.fix import suggest

    options = options or Options()
    missing = [p for p in [*paths, *targets] if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    if not targets:
        raise UsageError("name the targets to convert with --targets (a targets file or folder, or captures)")
    trees = [Path(os.path.abspath(p)) for p in paths]
    fix = suggest(paths, config, unsafe=options.unsafe)
    rewrites = {f.path: f.to_dict() for f in fix.files}
    saved_flag = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # importing the user's targets files must not write __pycache__ into their tree
    try:
        with scratch_folder() as scratch:
            return _verify_in(scratch, trees, targets, options, fix, rewrites, on_event, __version__)
    finally:
        sys.dont_write_bytecode = saved_flag


def _verify_in(scratch: Scratch, trees, targets, options: Options, fix, rewrites, on_event, version) -> dict:
    from migrate.fix.writeback import encode, read_source

    for tree in trees:
        scratch.copy_tree(tree)
    rewritten = []
    for file in fix.files:
        absolute = Path(fix.root, file.path)
        original = read_source(str(scratch.mirror(absolute)))
        rewritten.append(_Rewritten(file.path, absolute, original, file.new_text))
        scratch.write(absolute, encode(original, file.new_text))
    before_targets, after_targets, fallbacks = _targets(scratch, trees, targets)
    data = scratch.folder / ".verify"
    names = _strategies(options)
    common = dict(strategies=names, skip=options.skip, threads=options.threads, timeout=options.timeout,
                  opt_in={"cpp"} if options.cpp else set(), min_run_time=options.min_run_time, targets=options.only,
                  on_event=on_event)
    base_env = {"MIGRATE_STRATEGY_PATH": os.pathsep.join(filter(None, [STRATEGY_FOLDER,
                                                                       os.environ.get("MIGRATE_STRATEGY_PATH")])),
                "PYTHONDONTWRITEBYTECODE": "1"}
    import_paths = [str(Path(p).resolve()) for p in options.import_paths]
    _emit(on_event, {"event": "phase", "phase": "before"})
    with environment({**base_env, eager_check.MODE_VARIABLE: "record", eager_check.OUT_VARIABLE: str(data / "before"),
                      eager_check.ROOTS_VARIABLE: os.pathsep.join(map(str, trees))}, path_first=import_paths):
        before = _convert(before_targets, data / "artifacts" / "before", common)
    if not before.targets:
        problems = "; ".join(f"{e.get('file')}: {e.get('message')}" for e in before.errors) or "no targets found"
        raise UsageError(f"no targets to verify: {problems}")
    cwd = scratch.mirror(os.getcwd())
    entries = [os.getcwd(), *import_paths, *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
    shadows = scratch.shadow_path(entries, trees)
    mirrors = [scratch.mirror(t) for t in trees]

    def after_run(out: Path, strategies=None, only=None):
        variables = {**base_env, eager_check.MODE_VARIABLE: "compare", eager_check.OUT_VARIABLE: str(out),
                     eager_check.BEFORE_VARIABLE: str(data / "before"),
                     eager_check.ROOTS_VARIABLE: os.pathsep.join(map(str, mirrors))}
        with environment(variables, cwd=cwd if cwd.is_dir() else None,
                         path_first=[*shadows, *[scratch.mirror(p) for p in import_paths if scratch.mirror(p).is_dir()],
                                     *import_paths, *fallbacks]):
            options_now = {**common, "strategies": strategies or common["strategies"], "targets": only or common["targets"]}
            return _convert(after_targets, out / "artifacts", options_now)

    _emit(on_event, {"event": "phase", "phase": "after"})
    after = after_run(data / "after")
    before_clean, after_clean = core.without_eager_check(before), core.without_eager_check(after)
    by_path = {r.path: r for r in rewritten}
    results = []
    for target in before.targets:
        eager_after = _read_json(data / "after" / f"{_safe(target.name)}.after.json")
        imported = _imported(eager_after, trees, fix.root) or _imported(
            _read_json(data / "before" / f"{_safe(target.name)}.before.json"), trees, fix.root)
        touched = [p for p in imported if p in by_path]
        compared = core.compare_target(target.name, before_clean, after_clean, eager_after, touched, rewrites)
        causes = {}
        if options.bisect:
            for regression in compared["regressions"]:
                causes[core.regression_key(regression)] = _bisect(
                    target.name, regression, [by_path[p] for p in touched], by_path, scratch, after_run, data, on_event)
        results.append(core.with_causes(compared, causes, rewrites))
    return core.result_dict(before_clean, after_clean, results, [f.to_dict() for f in fix.files], unsafe=options.unsafe,
                            tool=f"torchscript-migrate {version}", manual=[m.to_dict() for m in fix.manual],
                            errors=[e.to_dict() for e in fix.errors] + [dict(e) for e in before.errors])


def _strategies(options: Options) -> list[str] | None:
    if options.strategies:
        return list(dict.fromkeys([*options.strategies, eager_check.NAME]))
    return None  # every default strategy; verify.eager is one of them while MIGRATE_STRATEGY_PATH names it


def _convert(targets: list[str], artifacts: Path, options: dict):
    from migrate.convert.supervisor import convert

    try:
        return convert(targets, artifact_dir=artifacts, **options)
    except ValueError as exc:  # unknown strategy names
        raise UsageError(str(exc)) from None


def _targets(scratch: Scratch, trees: list[Path], targets: list[str]) -> tuple[list[str], list[str], list[str]]:
    """(targets for the original run, the same for the copy, folders the copied targets files may import from)."""
    from migrate.record.targets import is_captures

    before, after, fallbacks = [], [], []
    for given in targets:
        path = Path(os.path.abspath(given))
        before.append(str(path))
        if is_captures(path):
            after.append(str(scratch.copy_captures(path, trees)))
        elif path.suffix in (".pt", ".pth", ".ts"):
            after.append(str(path))  # a TorchScript archive: nothing to rewrite
        else:
            if not inside(path, trees):  # a targets file outside the tree: copied (not rewritten) beside it
                scratch.copy_tree(path)
                fallbacks.append(str(path if path.is_dir() else path.parent))
            after.append(str(scratch.mirror(path)))
    return before, after, fallbacks


def _imported(record: dict | None, trees: list[Path], fix_root: str) -> list[str]:
    """The files a target imported (verify.eager lists them as "INDEX:PATH" under the INDEXth scanned tree
    or its copy), as paths of the original tree relative to the fix root."""
    found = []
    for entry in (record or {}).get("files", []):
        index, _, relative = entry.partition(":")
        root = trees[int(index)]
        absolute = root / relative if relative else root
        found.append(os.path.relpath(absolute, fix_root).replace(os.sep, "/"))
    return sorted(set(found))


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _safe(name: str) -> str:
    from migrate.convert.strategies.base import safe_name

    return safe_name(name)


def _emit(on_event, event: dict) -> None:
    if on_event:
        on_event(event)


def _bisect(name: str, regression: dict, candidates: list[_Rewritten], by_path: dict, scratch: Scratch, after_run,
            data: Path, on_event) -> dict:
    """Which rewritten file (then hunk) brings the regression back when applied alone."""
    from migrate.fix.writeback import encode

    if not candidates:
        return {"files": [], "hunks": [], "how": "the target imports no rewritten file"}
    if regression["kind"] == "route" and not regression.get("strategy"):
        return {"files": [c.path for c in candidates], "how": "not bisected (no one strategy lost the route)"}
    strategy = regression["strategy"]
    strategies = [eager_check.NAME] if regression["kind"] == "eager" else [strategy, eager_check.NAME]
    runs = [0]

    def reproduces(texts: dict[str, str]) -> bool | None:
        for rewritten in by_path.values():  # the original tree, but for the rewrites under test
            scratch.write(rewritten.absolute, encode(rewritten.original, texts.get(rewritten.path, rewritten.original.text)))
        runs[0] += 1
        out = data / f"bisect-{runs[0]}"
        _emit(on_event, {"event": "phase", "phase": f"bisect {name}: variant {runs[0]}"})
        run = core.without_eager_check(after_run(out, strategies=strategies, only=[_exact(name)]))
        target = next((t for t in run.targets if t.name == name), None)
        if target is None:
            return None
        eager = _read_json(out / f"{_safe(name)}.after.json")
        reference = next((r for r in target.results if run.family(r.strategy) == "reference"), None)
        broken = reference is not None and reference.status != "ok"
        if regression["kind"] == "eager" and regression.get("what") == "build":
            return broken and reference.error_type == regression.get("error_type") or (None if broken else False)
        if regression["kind"] == "eager":
            return None if broken else core.eager_regression(eager) is not None
        result = target.result(strategy)
        if broken:
            return None
        return result is not None and result.status != "ok"

    try:
        how = []
        guilty = candidates
        if len(candidates) > 1:
            verdicts = {c.path: reproduces({c.path: c.new_text}) for c in candidates}
            guilty = [c for c in candidates if verdicts[c.path]]
            how.append(f"applied the {len(candidates)} rewritten files it imports one at a time: "
                       + ", ".join(f"{p} {_word(v)}" for p, v in verdicts.items()))
            if not guilty:
                return {"files": [c.path for c in candidates], "hunks": [],
                        "how": how[0] + "; no file alone brings it back: the rewrites break it together"}
        found_hunks = []
        for culprit in guilty:
            pieces = hunks(culprit.original.text, culprit.new_text)
            if len(pieces) > 1:
                verdicts = [reproduces({culprit.path: apply_hunks(culprit.original.text, [h])}) for h in pieces]
                chosen = [h for h, v in zip(pieces, verdicts) if v]
                how.append(f"applied the {len(pieces)} hunks of {culprit.path} one at a time: "
                           + ", ".join(f"{h.header} {_word(v)}" for h, v in zip(pieces, verdicts)))
                pieces = chosen or pieces
            found_hunks += [{"path": culprit.path, "diff": h.text} for h in pieces]
        return {"files": [c.path for c in guilty], "hunks": found_hunks,
                "how": "; ".join(how) or "only one rewrite applies"}
    finally:  # the copy as the full rewrite again
        for rewritten in by_path.values():
            scratch.write(rewritten.absolute, encode(rewritten.original, rewritten.new_text))


def _word(verdict: bool | None) -> str:
    return {True: "breaks it", False: "does not", None: "inconclusive (the target did not build)"}[verdict]


def _exact(name: str) -> str:
    """A shell pattern matching exactly ``name`` (convert selects targets by pattern)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)
