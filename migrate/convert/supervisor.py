"""Run every target in its own worker process; survive crashes, hangs and out-of-memory kills.

For each target, a worker (``python -m migrate.convert.worker``) runs the strategies in order and
reports each result. The parent watches the time since the running strategy started: past
``timeout`` it kills the worker's process group and records ``timeout``; a worker that dies
(segfault, abort, OOM kill) gives ``crashed``. Either way a new worker goes on with the strategies
left, given the artifacts of those that finished. A worker whose process group's resident memory
goes over ``max_memory`` is killed too and gives ``crashed`` with cause ``out of memory``.

Targets run ``jobs`` at a time (``executors.py``: threads here, each watching its own worker
pinned to its own cores; or Ray tasks).
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable

from migrate.convert import side_by_side
from migrate.convert.causes import hint_for
from migrate.convert.resources import format_size, group_rss
from migrate.convert.results import ConvertRun, StrategyInfo, StrategyResult, TargetResult, with_ratios
from migrate.convert.selection import select_strategies
from migrate.convert.targets import TARGET_ATTRIBUTE, TargetRef, collect
from migrate.convert.timing_gate import GATE
from migrate.convert.strategies.base import safe_name

DEFAULT_TIMEOUT = 300.0
POLL_S = 0.25  # how often a worker's memory is read


def default_cache_dir() -> Path:
    """$XDG_CACHE_HOME/torchscript-migrate (else ~/.cache/torchscript-migrate): AOTInductor's cache."""
    from migrate.config import user_cache_dir

    return Path(user_cache_dir())


@dataclass(frozen=True)
class WorkerOptions:
    artifact_dir: Path
    cache_dir: Path
    threads: int = 1
    timeout: float = DEFAULT_TIMEOUT
    min_run_time: float = 0.2
    references: tuple[str, ...] = ()  # strategies declaring ``reference``: they fail, the others are skipped
    max_memory: int | None = None  # bytes the worker's process group may hold resident (None: no limit)
    cpus: tuple[int, ...] = ()  # the cores the worker is pinned to (empty: not pinned)
    exclusive_timing: bool = False  # time with the other workers paused (timing_gate.py; parallel runs)


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _log_tail(path: Path, lines: int = 2000) -> str:
    """The last meaningful line of the worker's stderr (a fatal error, a MemoryError...)."""
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    for line in reversed(text):
        if line.startswith(("Fatal Python error", "MemoryError", "Segmentation fault", "terminate called")):
            return line.strip()
    return ""


def user_inductor_cache() -> str | None:
    """TORCHINDUCTOR_CACHE_DIR where the user set it; None where it is unset or holds inductor's own default.

    Inductor writes its default (``/tmp/torchinductor_<user>``) into os.environ the first time anything in
    this process compiles or reads its config, so a value equal to that default is inductor's, not the
    user's: the workers then get --cache-dir's inductor folder."""
    value = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    if not value:
        return None
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir
    except ImportError:  # another torch layout: trust the variable
        return value
    return None if os.path.abspath(value) == os.path.abspath(default_cache_dir()) else value


def _worker_env(options: WorkerOptions) -> dict:
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    if user_inductor_cache() is None:
        env["TORCHINDUCTOR_CACHE_DIR"] = str(options.cache_dir / "inductor")
    env.setdefault("PYTHONFAULTHANDLER", "1")  # a segfault leaves "Fatal Python error" in the log
    return env


def run_worker(ref: TargetRef, names: list[str], options: WorkerOptions, on_event: Callable[[dict], None],
               artifacts: dict | None = None) -> dict[str, StrategyResult]:
    """Run ``names`` on ``ref`` in as many workers as it takes; a result for every name."""
    results: dict[str, StrategyResult] = {}
    artifacts = dict(artifacts or {})
    remaining = list(names)
    log_dir = options.artifact_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    attempt = 0
    while remaining:
        attempt += 1
        log_path = log_dir / f"{safe_name(ref.name)}.{attempt}.log"
        request = {"ref": ref.__dict__, "strategies": remaining, "artifacts": artifacts, "threads": options.threads,
                   "artifact_dir": str(options.artifact_dir), "min_run_time": options.min_run_time,
                   "cache_dir": str(options.cache_dir), "cpus": list(options.cpus),
                   "exclusive_timing": options.exclusive_timing}
        with open(log_path, "w") as log:
            process = subprocess.Popen([sys.executable, "-m", "migrate.convert.worker"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=log, env=_worker_env(options),
                                       start_new_session=True, text=True)
            _LIVE.add(process)
            events: queue.Queue = queue.Queue()
            reader = threading.Thread(target=_read_events, args=(process.stdout, events), daemon=True)
            reader.start()
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
            if not options.exclusive_timing:
                process.stdin.close()
            GATE.register(process.pid)
            current, started, timed_out, over_memory = None, time.monotonic(), False, 0
            checked, paused_at_start = started, 0.0
            try:
                while True:
                    now = time.monotonic()
                    if options.max_memory and now - checked >= POLL_S:
                        checked = now
                        used = group_rss(process.pid)
                        if used > options.max_memory:
                            over_memory = used
                            _kill_group(process)
                            break
                    # the seconds this worker spent paused while another one timed do not count
                    left = options.timeout - (now - started) + GATE.paused_seconds(process.pid) - paused_at_start
                    if left <= 0:
                        timed_out = True
                        _kill_group(process)
                        break
                    try:
                        event = events.get(timeout=min(left, POLL_S) if options.max_memory else max(0.05, left))
                    except queue.Empty:
                        continue
                    if event is None:  # the worker's stdout closed: it finished or died
                        break
                    if event["event"] == "timing":  # the exclusive timing phase (timing_gate.py)
                        if event.get("state") == "ask":
                            GATE.begin(process.pid)
                            try:
                                process.stdin.write("go\n")
                                process.stdin.flush()
                            except (OSError, ValueError):  # the worker is gone: its cleanup gives the gate back
                                pass
                        else:
                            GATE.end(process.pid)
                        continue
                    on_event({**event, "target": ref.name})
                    if event["event"] == "start":
                        current, started = event["strategy"], time.monotonic()
                        paused_at_start = GATE.paused_seconds(process.pid)
                    elif event["event"] == "result":
                        result = StrategyResult.from_dict(event["result"])
                        results[result.strategy] = result
                        if result.artifact and result.status in ("ok", "mismatch"):
                            artifacts[result.strategy] = result.artifact
                        remaining = [n for n in remaining if n != result.strategy]
                        current = None
                    elif event["event"] == "side_by_side":
                        results.update(side_by_side.applied(results, event.get("retimed") or {}))
                    elif event["event"] == "target_error":
                        return {**results, **_all_skipped_after_reference_error(remaining, event, options.references)}
            finally:
                GATE.unregister(process.pid)
                if options.exclusive_timing and not process.stdin.closed:
                    try:
                        process.stdin.close()
                    except OSError:
                        pass
            returncode = process.wait()
            _LIVE.discard(process)
        if not remaining:
            break
        seconds = round(time.monotonic() - started, 3)
        if over_memory:
            status, error_type, cause = "crashed", "OutOfMemory", "out of memory"
            error = (f"the worker held {format_size(over_memory)}, over --max-memory {format_size(options.max_memory)}; "
                     f"it was stopped (its log: {log_path})")
        elif timed_out:
            status, error_type = "timeout", "Timeout"
            error = f"no result after {options.timeout:g} s; the worker was killed"
            cause = "hang or too slow"
        else:
            status = "crashed"
            error_type = _signal_name(returncode) if returncode < 0 else f"exit {returncode}"
            tail = _log_tail(log_path)
            error = f"the worker died ({error_type}){': ' + tail if tail else ''}; its log: {log_path}"
            cause = "out of memory" if returncode == -signal.SIGKILL or "MemoryError" in tail else "process crashed"
        victim = current if current in remaining else None
        if current == "reference" or victim is None:  # died building the target or its reference
            for name in remaining:
                results[name] = StrategyResult(name, status if name in options.references else "skipped",
                                               error_type=error_type, error=f"while building the target: {error}",
                                               cause=cause, seconds=seconds)
                on_event({"event": "result", "target": ref.name, "result": results[name].to_dict()})
            break
        results[victim] = StrategyResult(victim, status, error_type=error_type, error=error, cause=cause, seconds=seconds)
        on_event({"event": "result", "target": ref.name, "result": results[victim].to_dict()})
        remaining = [n for n in remaining if n != victim]
    return results


def _all_skipped_after_reference_error(names: list[str], event: dict, references) -> dict[str, StrategyResult]:
    out = {}
    for name in names:
        if name in references:
            out[name] = StrategyResult(name, "failed", error_type=event.get("error_type"), error=event["error"],
                                       cause="target error", hint=hint_for("target error"), stage="convert")
        else:
            out[name] = StrategyResult(name, "skipped", error="the target could not be built or run by its reference",
                                       cause="target error")
    return out


def _read_events(stream, events: queue.Queue) -> None:
    for line in stream:
        line = line.strip()
        if line:
            try:
                events.put(json.loads(line))
            except json.JSONDecodeError:
                continue
    events.put(None)


# Workers running now. When migrate exits while one runs (Ctrl-C, SIGTERM turned into SystemExit by the
# CLI, an error), its process group goes with it; a SIGKILL of migrate is covered by the worker's
# die_with_parent.
_LIVE: set[subprocess.Popen] = set()


@atexit.register
def _kill_live_workers() -> None:
    for process in list(_LIVE):
        _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    """Kill the worker and whatever it started (compiler processes), by its process group."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()
    process.wait()


def refs_for(paths_or_targets, example_inputs: str | None = None) -> tuple[list[TargetRef], list[dict]]:
    """TargetRefs from paths (files, folders, .pt archives), TargetRefs, or decorated functions."""
    import inspect

    refs, errors, paths = [], [], []
    for item in paths_or_targets:
        if isinstance(item, TargetRef):
            refs.append(item)
        elif callable(item) and hasattr(item, TARGET_ATTRIBUTE):
            file = inspect.getsourcefile(item) or ""
            refs.append(TargetRef(name=getattr(item, TARGET_ATTRIBUTE), file=os.path.relpath(file),
                                  line=inspect.getsourcelines(item)[1], function=item.__name__))
        else:
            paths.append(str(item))
    if paths:
        found, problems = collect(paths, example_inputs=example_inputs)
        refs.extend(found)
        errors.extend({"file": p.file, "message": p.message} for p in problems)
    return refs, errors


def convert(paths_or_targets, strategies=None, skip=None, threads: int = 1, timeout: float = DEFAULT_TIMEOUT,
            opt_in: Iterable[str] = (), artifact_dir: str | Path | None = None, cache_dir: str | Path | None = None,
            example_inputs: str | None = None, min_run_time: float = 0.2, targets: Iterable[str] | None = None,
            on_event: Callable[[dict], None] | None = None, jobs: int | None = None,
            max_memory: str | int | None = "default", executor: str = "process",
            ray_address: str | None = None, reuse: bool = False) -> ConvertRun:
    """Convert every target with every selected strategy, each target in its own worker process.

    ``paths_or_targets``: targets files, folders, ``.pt`` archives (with ``example_inputs``),
    TargetRefs or ``@migrate.target`` functions. ``strategies``/``skip``: names (see
    ``select_strategies``); ``opt_in``: opt-in groups to add (``{"cpp"}``); ``targets``: only the
    targets whose name matches one of these shell patterns. ``jobs``: targets converted at once
    (default: the number of cores over ``threads``), each worker pinned to its own ``threads``
    cores. ``max_memory``: bytes (or "4G") a worker may hold before it is stopped and reported
    ``out of memory`` ("default": ``resources.MEMORY_SHARE`` of the machine's memory over the jobs;
    None: no limit). ``executor``: "process" (here) or "ray" (a Ray task per target, on the
    cluster at ``ray_address``, else a local one; see ``ray_executor.py``). ``reuse``: targets whose
    code, files, environment and options are unchanged since a stored run get that run's results
    without a worker (``reuse.py``; the process executor stores every run's). Raises ValueError on
    unknown strategy names and unusable options; never on a broken target.
    """
    import fnmatch

    from importlib.metadata import PackageNotFoundError, version

    from migrate.convert import executors
    from migrate.convert.resources import default_jobs, default_max_memory, effective_jobs, parse_size, usable_cores
    from migrate.convert.strategies import discover

    if executor not in executors.EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; known: {', '.join(executors.EXECUTORS)}")
    if jobs is not None and jobs < 1:
        raise ValueError("jobs must be at least 1")
    if executor == "process":
        jobs = effective_jobs(jobs or default_jobs(threads), threads, len(usable_cores()))
    else:
        jobs = jobs or default_jobs(threads)
    limit = default_max_memory(jobs) if max_memory == "default" else parse_size(max_memory)
    if isinstance(paths_or_targets, (str, Path, TargetRef)) or hasattr(paths_or_targets, TARGET_ATTRIBUTE):
        paths_or_targets = [paths_or_targets]
    strategies, skip, targets = (v.split(",") if isinstance(v, str) else v for v in (strategies, skip, targets))
    available = discover()
    names, user_skipped = select_strategies(available, strategies, skip, opt_in)
    cache = Path(cache_dir) if cache_dir else default_cache_dir()
    options = WorkerOptions(artifact_dir=Path(artifact_dir) if artifact_dir else cache / "artifacts",
                            cache_dir=cache, threads=threads, timeout=timeout, min_run_time=min_run_time,
                            references=tuple(n for n, s in available.items() if s.reference), max_memory=limit)
    on_event = executors.locked(on_event or (lambda event: None))  # workers report from several threads
    started = time.monotonic()
    refs, errors = refs_for(paths_or_targets, example_inputs)
    if targets:
        patterns = list(targets)
        refs = [r for r in refs if any(fnmatch.fnmatchcase(r.name, p) for p in patterns)]
        if not refs:
            errors.append({"file": ", ".join(map(str, paths_or_targets)),
                           "message": f"no target matches {', '.join(patterns)}"})
    kinds = {"archive" if r.kind == "archive" else "module" for r in refs}
    if kinds:  # no column for strategies that apply to none of the targets (jit.load without archives)
        names = [n for n in names if available[n].applies_to == "both" or available[n].applies_to in kinds]
    on_event({"event": "plan", "targets": [r.name for r in refs], "strategies": names})
    families = {n: s.family for n, s in available.items()}
    converted = []

    from migrate.convert import reuse as reuse_store

    reused, fingerprint = {}, reuse_store.Fingerprints()
    windows_before = len(GATE.windows)
    if reuse and executor == "process":
        for index, ref in enumerate(refs):
            hit = reuse_store.lookup(ref, names, options, fingerprint)
            if hit is not None:
                reused[index] = hit
                for result in hit[0].values():
                    on_event({"event": "result", "target": ref.name, "result": result.to_dict(), "reused": True})
                on_event({"event": "target_done", "target": ref.name})
    fresh = [ref for index, ref in enumerate(refs) if index not in reused]
    imported: dict[str, list[str]] = {}

    def forward(event: dict) -> None:  # the worker's module list is for the store, not for the user
        if event.get("event") == "imports":
            imported[event.get("target", "")] = list(event.get("files") or [])
        else:
            on_event(event)

    def done_fresh(index: int, results: dict) -> None:
        on_event({"event": "target_done", "target": fresh[index].name})

    if executor == "ray":
        from migrate.convert.ray_executor import run_on_ray

        fresh_results = run_on_ray(fresh, names, options, forward, address=ray_address,
                                   shared_artifacts=artifact_dir is not None, jobs=jobs, on_done=done_fresh)
    else:
        fresh_results = executors.run_in_processes(fresh, names, options, forward, jobs, on_done=done_fresh)
        for ref, results in zip(fresh, fresh_results):
            reuse_store.store(ref, names, options, results, imported.get(ref.name, []), fingerprint)
    produced = iter(fresh_results)
    all_results = [reused[i][0] if i in reused else next(produced) for i in range(len(refs))]
    for index, (ref, results) in enumerate(zip(refs, all_results)):
        ordered = [results[n] for n in names if n in results]
        ordered += [StrategyResult(n, "skipped", error="skipped by --skip", cause="skipped by user") for n in user_skipped]
        order = list(available)
        ordered.sort(key=lambda r: order.index(r.strategy))
        target = with_ratios(TargetResult(ref.name, ref.source, tuple(ordered)), families)
        converted.append(replace(target, reused=reused[index][1] or "an earlier run") if index in reused else target)
    try:
        torch_version = version("torch")
    except PackageNotFoundError:
        torch_version = "unknown"
    return ConvertRun(torch_version=torch_version, threads=threads, targets=tuple(converted), errors=tuple(errors),
                      strategies=tuple(StrategyInfo(n, s.family, s.order) for n, s in available.items()
                                       if n in names or n in user_skipped),
                      wall_seconds=round(time.monotonic() - started, 1), jobs=jobs, executor=executor,
                      timed_alone_seconds=round(sum(w.seconds for w in GATE.windows[windows_before:]), 1)
                      if len(GATE.windows) > windows_before else None)
