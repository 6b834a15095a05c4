"""The worker process: builds one target and runs the requested strategies on it.

``python -m migrate.convert.worker`` reads one JSON request on stdin and writes JSON events, one
per line, on the stdout it was started with (the user's prints go to stderr instead):

    {"event": "start", "strategy": NAME}      a strategy (or "reference") begins
    {"event": "result", "result": {...}}      a StrategyResult.to_dict()
    {"event": "target_error", "error": TEXT}  the target could not be built or run by its reference
    {"event": "timing", "state": "ask"|"done"}  before and after timing, where the request asks for
                                              exclusive timing (then a line on stdin says go: timing_gate.py)
    {"event": "side_by_side", "retimed": {NAME: {"latency": {...}|null, "note": TEXT}}}  the latencies
                                              timed again side by side (side_by_side.py), after the last result
    {"event": "imports", "files": [PATH, ...]}  every module file imported (for ``--reuse``)
    {"event": "done"}

The parent (``supervisor.py``) owns timeouts and crashes; ``run_target`` is plain Python and can be
called in-process too.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Callable

from migrate.convert.results import StrategyResult
from migrate.convert.causes import summary_line
from migrate.convert.targets import TargetRef
from migrate.workers import die_with_parent

REFERENCE_EVENT = "reference"


def plan_skip(strategy, ref: TargetRef, target, artifacts: dict) -> str | None:
    """Why ``strategy`` does not run on this target (None: it runs)."""
    kind = "archive" if ref.kind == "archive" else "module"
    if strategy.applies_to not in (kind, "both"):
        return "applies to TorchScript archives only" if kind == "module" else "does not apply to a TorchScript archive"
    if target.kwargs and not strategy.accepts_kwargs:
        return f"{strategy.name} cannot take keyword inputs; this target passes {', '.join(sorted(target.kwargs))}"
    if strategy.needs and not any(artifacts.get(n) for n in strategy.needs):
        return f"needs an artifact from {' or '.join(strategy.needs)}; none was produced"
    return strategy.skip_reason(target)


def with_causes(exc: BaseException, limit: int = 3) -> str:
    """The error's line, then the errors chained under it: "... (caused by ImportError: ...)"."""
    text = summary_line(str(exc)) or type(exc).__name__
    seen, inner = {id(exc)}, exc.__cause__ or exc.__context__
    while inner is not None and id(inner) not in seen and limit:
        seen.add(id(inner))
        text += f" (caused by {type(inner).__name__}: {summary_line(str(inner)) or '?'})"
        inner, limit = inner.__cause__ or inner.__context__, limit - 1
    return text


def exclusive_timing(emit: Callable[[dict], None], stdin):
    """A context manager factory: timing waits until the supervisor has paused the other workers
    (``timing_gate.py``); without an answer (stdin closed: the supervisor is gone) it times anyway."""
    @contextlib.contextmanager
    def phase():
        emit({"event": "timing", "state": "ask"})
        stdin.readline()
        try:
            yield
        finally:
            emit({"event": "timing", "state": "done"})

    return phase


def run_target(request: dict, emit: Callable[[dict], None], timing=None) -> None:
    import torch

    from migrate.convert import harness, side_by_side
    from migrate.convert.strategies import discover
    from migrate.convert.targets import load_target

    threads = int(request.get("threads", 1))
    torch.set_num_threads(threads)
    ref = TargetRef(**request["ref"])
    names: list[str] = list(request["strategies"])
    artifacts: dict = dict(request.get("artifacts", {}))
    artifact_dir = Path(request["artifact_dir"])
    min_run_time = float(request.get("min_run_time", 0.2))
    cache_dir = Path(request["cache_dir"]) if request.get("cache_dir") else None
    available = discover()
    archive_file = str(Path(ref.archive or ref.file).resolve()) if ref.kind == "archive" else None

    emit({"event": "start", "strategy": REFERENCE_EVENT})
    try:
        torch.manual_seed(harness.SEED)
        target = load_target(ref)
        reference_strategy = next(s for s in available.values() if s.reference and plan_skip(s, ref, target, {}) is None)
        context = harness.Context(harness.fresh_target(target), ref.name, artifact_dir, threads, {}, reference_strategy.name,
                                  archive_file)
        with torch.no_grad():
            reference_run = reference_strategy.convert(context).run
        reference = harness.build_reference(reference_run, target, reference_strategy.name)
    except Exception as exc:
        traceback.print_exc()  # into the worker log
        emit({"event": "target_error", "error": with_causes(exc), "error_type": type(exc).__name__,
              "traceback": traceback.format_exc(limit=-8)})
        return

    done: dict[str, StrategyResult] = {}
    for name in names:
        strategy = available[name]
        emit({"event": "start", "strategy": name})
        reason = plan_skip(strategy, ref, target, artifacts)
        if reason:
            result = StrategyResult(name, "skipped", error=reason, cause="not applicable")
        else:
            result = harness.run_strategy(strategy, target, reference, target_name=ref.name, artifact_dir=artifact_dir,
                                          artifacts=artifacts, threads=threads, min_run_time=min_run_time,
                                          archive_file=archive_file, cache_dir=cache_dir, timing=timing)
        if result.artifact and result.status in ("ok", "mismatch"):
            artifacts[name] = result.artifact
        done[name] = result
        emit({"event": "result", "result": result.to_dict()})
    try:
        retimes = side_by_side.measure(done, {n: s.family for n, s in available.items()},
                                       (reference_strategy.name, reference_run), target.example_inputs,
                                       dict(target.kwargs or {}), threads, min_run_time, timing)
    except Exception:  # the first timings stand
        traceback.print_exc()
        retimes = {}
    if retimes:
        emit({"event": "side_by_side", "retimed": retimes})


def imported_files() -> list[str]:
    """Every module file this process imported (what the target's results depend on: ``reuse.py``), without
    the modules inductor generates into its cache."""
    generated = os.environ.get("TORCHINDUCTOR_CACHE_DIR") or "torchinductor_"  # the default is /tmp/torchinductor_<user>
    files = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and os.path.isfile(path) and generated not in path:
            files.add(os.path.abspath(path))
    return sorted(files)


def main() -> int:
    # The worker leads its own process group (compiler processes included): if migrate goes, all go.
    signal.signal(signal.SIGTERM, lambda signum, frame: os.killpg(0, signal.SIGKILL))
    die_with_parent(os.getppid())
    request = json.loads(sys.stdin.readline())  # stdin stays open for the timing gate's answers
    if request.get("cpus") and hasattr(os, "sched_setaffinity"):  # before torch starts its threads
        os.sched_setaffinity(0, request["cpus"])
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything the user's code prints goes to stderr, not into the protocol

    def emit(event: dict) -> None:
        protocol.write(json.dumps(event) + "\n")
        protocol.flush()

    run_target(request, emit, exclusive_timing(emit, sys.stdin) if request.get("exclusive_timing") else None)
    emit({"event": "imports", "files": imported_files()})
    emit({"event": "done"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
