"""``verify.eager``: the strategy `migrate verify` adds to both of its conversion runs (never to `migrate convert`).

It is found through ``MIGRATE_STRATEGY_PATH`` (the convert stage's way of adding a strategy) and runs
in convert's worker, next to the target, so that verify reuses convert's supervisor (processes,
timeouts, crashes) instead of having its own. ``MIGRATE_VERIFY_MODE`` says what it does:

``record`` (the run against the original tree): runs the module as written on every input set
    (the example, the check inputs and the generated ones, as convert's reference does) and saves
    the input sets, the outputs and the module's ``state_dict`` (``NAME.before.pt``), plus the files
    of the scanned tree that building the target imported (``NAME.before.json``).
``compare`` (the run against the rewritten copy): loads the original weights into the rewritten
    module (when their names and shapes match: a rewritten ``__init__`` may draw its random weights
    in another order), runs it on the *original* inputs and compares each output with the original's
    (``NAME.after.json``: one check per input, as convert's checks).

Either way the strategy then gives back the module itself, so convert records it as ``ok``; the
verdict is in the files, which `migrate verify` reads. Its result is dropped from both runs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from migrate.convert.strategies.base import Context, Converted, Strategy, safe_name

NAME = "verify.eager"
MODE_VARIABLE = "MIGRATE_VERIFY_MODE"  # record | compare
BEFORE_VARIABLE = "MIGRATE_VERIFY_BEFORE"  # folder of NAME.before.* files
OUT_VARIABLE = "MIGRATE_VERIFY_OUT"  # folder this run writes into
ROOTS_VARIABLE = "MIGRATE_VERIFY_ROOTS"  # os.pathsep-separated folders/files whose imported files are listed


def imported_files(roots: list[str]) -> list[str]:
    """The files under ``roots`` that this process imported (paths relative to their root, with the root index)."""
    found = set()
    resolved = [Path(r).resolve() for r in roots if r]
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not file:
            continue
        path = Path(file).resolve()
        for index, root in enumerate(resolved):
            if path == root or root in path.parents:
                found.add(f"{index}:{path.relative_to(root).as_posix() if path != root else ''}")
    return sorted(found)


class VerifyEager(Strategy):
    name = NAME
    family = "other"
    order = 1
    applies_to = "module"
    description = "migrate verify only: the rewritten module's eager outputs against the original's"

    def skip_reason(self, target) -> str | None:
        return None if os.environ.get(MODE_VARIABLE) in ("record", "compare") else "runs only under migrate verify"

    def convert(self, ctx: Context) -> Converted:
        from migrate.convert.strategies._common import python_callable

        mode = os.environ[MODE_VARIABLE]
        out = Path(os.environ[OUT_VARIABLE])
        out.mkdir(parents=True, exist_ok=True)
        stem = safe_name(ctx.target_name)
        files = imported_files(os.environ.get(ROOTS_VARIABLE, "").split(os.pathsep))
        if mode == "record":
            notes = _record(ctx, out / f"{stem}.before.pt")
            (out / f"{stem}.before.json").write_text(json.dumps({"files": files, "notes": notes}))
        else:
            result = _compare(ctx, Path(os.environ[BEFORE_VARIABLE]) / f"{stem}.before.pt")
            (out / f"{stem}.after.json").write_text(json.dumps({"files": files, **result}))
        return Converted(run=python_callable(ctx.module))


def _record(ctx: Context, path: Path) -> list[str]:
    import torch

    from migrate.convert.compare import input_sets
    from migrate.convert.harness import SEED, call
    from migrate.convert.strategies._common import python_callable

    target = ctx.target
    run = python_callable(target.module)
    kwargs = dict(target.kwargs or {})
    sets = []
    for input_set in input_sets(target.example_inputs, target.check_inputs, seed=SEED):
        try:
            output = call(run, input_set.args, kwargs)
        except Exception:
            if input_set.generated:
                continue  # convert's reference drops it too
            raise
        sets.append((input_set.label, input_set.args, output))
    state = target.module.state_dict() if isinstance(target.module, torch.nn.Module) else None
    notes = []
    try:
        torch.save({"sets": sets, "kwargs": kwargs, "state": state}, path)
    except Exception as exc:  # outputs that cannot be pickled: inputs and weights only
        notes.append(f"outputs not saved ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}): "
                     "eager before/after not compared")
        torch.save({"sets": None, "kwargs": kwargs, "state": state}, path)
    return notes


def _compare(ctx: Context, before_path: Path) -> dict:
    import torch

    from migrate.convert.compare import compare
    from migrate.convert.harness import call, error_text
    from migrate.convert.strategies._common import python_callable

    if not before_path.is_file():
        return {"checks": [], "notes": ["the original target recorded no eager outputs (it failed to build or run)"]}
    before = torch.load(before_path, weights_only=False)
    module = ctx.target.module
    notes = []
    if isinstance(module, torch.nn.Module) and before.get("state"):
        mine = module.state_dict()
        theirs = before["state"]
        if set(mine) == set(theirs) and all(getattr(mine[k], "shape", None) == getattr(theirs[k], "shape", None)
                                            for k in mine):
            module.load_state_dict(theirs)
            notes.append("the original's weights were loaded into the rewritten module")
        else:
            notes.append("weights not loaded: the rewritten module's state_dict has other names or shapes "
                         f"({len(set(mine) ^ set(theirs))} differ); compared with its own weights")
    if before.get("sets") is None:
        return {"checks": [], "notes": notes + ["the original outputs could not be saved: not compared"]}
    run = python_callable(module)
    checks = []
    for label, args, expected in before["sets"]:
        try:
            actual = call(run, args, before.get("kwargs") or {})
        except Exception as exc:
            checks.append({"label": label, "max_abs_error": None, "max_rel_error": None, "ok": False,
                           "error": error_text(exc), "raised": True})
            continue
        result = compare(expected, actual)
        checks.append({"label": label, "max_abs_error": result.max_abs_error, "max_rel_error": result.max_rel_error,
                       "ok": result.ok, "error": result.error, "raised": False})
    return {"checks": checks, "notes": notes}
