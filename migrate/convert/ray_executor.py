"""``--executor ray``: one Ray task per target (``pip install 'torchscript-migrate[ray]'``).

Each task asks Ray for ``num_cpus = --threads`` and runs the target the way the process executor
does (``supervisor.run_worker``: a worker process on the node that runs the task, with its
timeouts, crash handling and ``--max-memory``). ``--ray-address`` connects to a running cluster
(``ray start --head`` on one machine, ``ray start --address=HEAD:6379`` on the others); without
it a local cluster is started with this machine's cores and stopped at the end.

What comes back: each task returns its results and events, and, when it ran on another node
than this one, the bytes of the target's artifacts and worker logs, written here under the same
paths (through Ray's object store: mind its size for large captures). With ``--artifacts`` the
folder is taken to be shared by every node (NFS, a mounted bucket): nothing is shipped back and
the artifacts paths in the JSON are the shared ones.

The code of migrate travels with the tasks (``runtime_env`` ``py_modules`` on a remote cluster,
``PYTHONPATH`` on a local one); the targets files and the models they import must be at the same
path on every node (a shared checkout), since each node imports them itself.
"""

from __future__ import annotations

import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Callable

from migrate.convert.results import StrategyResult
from migrate.convert.strategies.base import safe_name
from migrate.convert.supervisor import user_inductor_cache
from migrate.convert.targets import TargetRef

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # migrate/


def _ray_target(ref: dict, names: list[str], options: dict, driver_node: str, ship: bool, cwd: str) -> dict:
    """The body of one Ray task: run the target in a worker process on this node."""
    import ray

    from migrate.convert.supervisor import WorkerOptions, run_worker

    if os.path.isdir(cwd):  # the same relative paths as on the driver (a shared checkout)
        os.chdir(cwd)
    options = WorkerOptions(**{**options, "artifact_dir": Path(options["artifact_dir"]),
                               "cache_dir": Path(options["cache_dir"]), "references": tuple(options["references"]),
                               "cpus": ()})
    events: list[dict] = []
    target = TargetRef(**ref)
    results = run_worker(target, names, options, events.append)
    files = {}
    if ship and ray.get_runtime_context().get_node_id() != driver_node:
        files = _files_of(target, options.artifact_dir)
    return {"results": {n: r.to_dict() for n, r in results.items()}, "events": events, "files": files}


def _task_failed(names: list[str], exc: BaseException) -> dict:
    error = f"the Ray task died: {type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return {n: StrategyResult(n, "crashed", error_type=type(exc).__name__, error=error, cause="process crashed").to_dict()
            for n in names}


def _files_of(ref: TargetRef, artifact_dir: Path) -> dict[str, bytes]:
    """The target's artifacts and worker logs, by path relative to ``artifact_dir``."""
    name = safe_name(ref.name)
    paths = list((artifact_dir / name).rglob("*")) + list((artifact_dir / "logs").glob(f"{name}.*.log"))
    return {str(p.relative_to(artifact_dir)): p.read_bytes() for p in paths if p.is_file()}


def _write_files(files: dict[str, bytes], artifact_dir: Path) -> None:
    for relative, data in files.items():
        path = (artifact_dir / relative).resolve()
        if artifact_dir.resolve() not in path.parents:  # never outside the artifacts folder
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _runtime_env(address: str | None) -> dict:
    python_path = os.pathsep.join(p for p in (str(PACKAGE_DIR.parent), os.environ.get("PYTHONPATH")) if p)
    env = {"env_vars": {"PYTHONPATH": python_path}}
    if os.environ.get("MIGRATE_STRATEGY_PATH"):
        env["env_vars"]["MIGRATE_STRATEGY_PATH"] = os.environ["MIGRATE_STRATEGY_PATH"]
    if user_inductor_cache():  # the user's own folder, not the default inductor wrote into os.environ
        env["env_vars"]["TORCHINDUCTOR_CACHE_DIR"] = user_inductor_cache()
    if address:  # a remote cluster: migrate's code goes with the tasks
        env["py_modules"] = [str(PACKAGE_DIR)]
        env["env_vars"] = {k: v for k, v in env["env_vars"].items() if k != "PYTHONPATH"}
    return env


def run_on_ray(refs: list[TargetRef], names: list[str], options, on_event: Callable[[dict], None],
               address: str | None = None, shared_artifacts: bool = False, jobs: int | None = None,
               on_done: Callable[[int, dict], None] | None = None) -> list[dict[str, StrategyResult]]:
    """Results of every target, one Ray task each, in the order of ``refs``. A local cluster gets
    ``jobs * threads`` CPUs (default: this machine's cores), so that ``jobs`` tasks run at once."""
    import ray

    from migrate.convert.resources import usable_cores

    started_here = not ray.is_initialized()
    if started_here:
        cpus = jobs * options.threads if jobs else len(usable_cores())
        settings = {"address": address} if address else {"num_cpus": cpus, "include_dashboard": False}
        ray.init(runtime_env=_runtime_env(address), log_to_driver=False, configure_logging=False, **settings)
    try:
        driver_node = ray.get_runtime_context().get_node_id()
        task = ray.remote(num_cpus=options.threads, max_retries=0)(_ray_target)
        sent = {k: (str(v) if isinstance(v, Path) else list(v) if isinstance(v, tuple) else v)
                for k, v in asdict(replace(options, cpus=())).items()}
        pending = {task.remote(asdict(ref), names, sent, driver_node, not shared_artifacts, os.getcwd()): i
                   for i, ref in enumerate(refs)}
        out: list[dict | None] = [None] * len(refs)
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            index = pending.pop(ready[0])
            try:
                reply = ray.get(ready[0])
            except Exception as exc:  # the task itself died (its node went away, out of memory...)
                reply = {"results": _task_failed(names, exc), "events": [], "files": {}}
            for event in reply["events"]:
                on_event({**event, "target": refs[index].name})
            _write_files(reply["files"], Path(options.artifact_dir))
            out[index] = {n: StrategyResult.from_dict(r) for n, r in reply["results"].items()}
            if on_done:
                on_done(index, out[index])
        return out
    finally:
        if started_here:
            ray.shutdown()
