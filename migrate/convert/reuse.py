"""``migrate convert --reuse``: the results of a target nothing has changed for are taken from the last run.

A target's results depend on its code (every module its worker imported: the targets file, the project's
modules, torch and the other libraries, migrate itself), on the files it was built from (a capture's
metadata and pickles, a TorchScript archive and its inputs), on the environment that steers torch
(``TORCH*``, ``MIGRATE_*``, ``OMP_*``, ``MKL_*`` variables), the machine, and on the run's options
(strategies, threads, ``--min-run-time``, timeout, memory limit). After a worker finishes, the parent
stores the results with a fingerprint of each of those files (``CACHE_DIR/results/<key>.json``: size and
modification time for files under the interpreter's prefix, a sha256 of the content for the others) and
the key of the rest. With ``--reuse``, a target whose stored fingerprints all still hold, and whose
artifacts are all still there, gets its stored results (the result says ``reused``: when they were
measured) without starting a worker. Latencies are then that run's: without ``--reuse`` everything is
converted and measured again (the AOTInductor packages are still reused, ``_aoti_cache.py``).

What the fingerprint cannot see: data files a target reads at build time, and the network. Results with a
crash, a timeout or an out-of-memory kill are never stored (they depend on the machine's state).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from migrate.convert.results import StrategyResult
from migrate.convert.targets import TargetRef

FOLDER = "results"
FORMAT = 1
ENV_PREFIXES = ("TORCH", "MIGRATE_", "OMP_", "MKL_", "KMP_", "PYTORCH_")
NOT_STORED = ("crashed", "timeout")


def _prefixes() -> tuple[str, ...]:
    return tuple(sorted({os.path.realpath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}))


class Fingerprints:
    """File fingerprints, each file read once per run (every target of a run imports the same torch files):
    ``size:mtime_ns`` for an installed file (under the interpreter's prefix), a sha256 of the content for the
    others (a project file); None when it cannot be read."""

    def __init__(self) -> None:
        self.prefixes = _prefixes()
        self.known: dict[str, str | None] = {}

    def __call__(self, path: str) -> str | None:
        if path not in self.known:
            self.known[path] = self._read(path)
        return self.known[path]

    def _read(self, path: str) -> str | None:
        from migrate.record.capture import sha256

        try:
            real = os.path.realpath(path)
            stat = os.stat(real)
            if real.startswith(self.prefixes):
                return f"{stat.st_size}:{stat.st_mtime_ns}"
            return "sha256:" + sha256(Path(real))
        except OSError:
            return None


def ref_files(ref: TargetRef) -> list[str]:
    """The files a target is built from besides the modules it imports (a capture's payloads beside it)."""
    from migrate.record.capture import PAYLOADS, payload_path

    files = [ref.file, ref.example_inputs_file, ref.capture, ref.archive]
    if ref.capture:
        files += [str(payload_path(Path(ref.capture), kind)) for kind in PAYLOADS]
    return [f for f in files if f and os.path.isfile(f)]


def options_key(ref: TargetRef, names: list[str], options) -> str:
    """What, besides files, the results depend on (hashed)."""
    from importlib.metadata import PackageNotFoundError, version

    from migrate.convert.strategies._aoti_cache import machine

    try:
        tool = version("torchscript-migrate")
    except PackageNotFoundError:
        tool = "unknown"
    environment = sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIXES))
    parts = [FORMAT, tool, machine(), sys.version, ref.__dict__, list(names), options.threads, options.min_run_time,
             options.timeout, options.max_memory, environment, os.path.realpath(options.artifact_dir)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _entry_path(cache_dir: Path, key: str) -> Path:
    return Path(cache_dir) / FOLDER / f"{key}.json"


def lookup(ref: TargetRef, names: list[str], options,
           fingerprint: Fingerprints) -> tuple[dict[str, StrategyResult], str] | None:
    """(the stored results, when they were measured) where nothing they depend on changed; else None."""
    path = _entry_path(options.cache_dir, options_key(ref, names, options))
    try:
        entry = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if entry.get("format") != FORMAT or not isinstance(entry.get("files"), dict):
        return None
    if any(fingerprint(f) != print_ for f, print_ in entry["files"].items()):
        return None
    try:
        results = {r["strategy"]: StrategyResult.from_dict(r) for r in entry["results"]}
    except (KeyError, TypeError, ValueError):
        return None
    if set(results) != set(names) or any(r.artifact and not os.path.exists(r.artifact) for r in results.values()):
        return None
    return results, str(entry.get("measured", ""))


def store(ref: TargetRef, names: list[str], options, results: dict[str, StrategyResult], imported: list[str],
          fingerprint: Fingerprints) -> bool:
    """Keep ``results`` for ``--reuse`` (atomically); False where they are not kept (a crash, a missing file list)."""
    from migrate.record.capture import write_json

    if not imported or set(results) != set(names) or any(r.status in NOT_STORED for r in results.values()):
        return False
    files = {}
    for name in sorted(set(imported) | set(ref_files(ref))):
        print_ = fingerprint(name)
        if print_ is None:
            return False
        files[name] = print_
    entry = {"format": FORMAT, "target": ref.name, "measured": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files,
             "results": [results[n].to_dict() for n in names]}
    path = _entry_path(options.cache_dir, options_key(ref, names, options))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, entry)
    except OSError:
        return False
    return True
