"""Build the C++ reference runners (cpp_reference/) into a cache folder outside the source tree.

The folder is named after a hash of the runner sources, the torch version and the torch install, so a
build is reused until one of them changes: ``~/.cache/torchscript-migrate/cpp-build/<hash>/``
(``$MIGRATE_CPP_CACHE`` or ``$XDG_CACHE_HOME`` move it). A lock file keeps two processes from building
the same folder at once. A missing cmake or compiler, or a failed build, is a BuildResult with
``ok=False`` and the reason, never an exception.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

from migrate.config import user_cache_dir

RUNNER_NAMES = ("torchscript_runner", "aoti_runner")
SOURCE_SUFFIXES = (".cpp", ".h", ".txt")  # CMakeLists.txt, the runners and their headers
STAMP = "build-ok.json"
FAILED_STAMP = "build-failed.json"  # a failed build is not retried until asked (retry_failed) or tools change
BUILD_TIMEOUT_S = 900


@dataclasses.dataclass(frozen=True)
class BuildResult:
    ok: bool
    build_dir: Path | None = None
    runners: dict[str, Path] = dataclasses.field(default_factory=dict)  # "torchscript"/"aoti" -> executable
    cached: bool = False  # reused an earlier build
    seconds: float = 0.0
    error: str | None = None  # why there are no runners
    log_path: Path | None = None  # cmake's output, kept for a failed build


def default_source_dir() -> Path:
    """The runner sources: ``migrate/cpp/reference``, package data in a wheel and a link to the
    repository's ``cpp_reference/`` in a checkout (so an editable install builds the files you edit)."""
    return (Path(__file__).resolve().parent / "reference").resolve()


def default_cache_root() -> Path:
    if os.environ.get("MIGRATE_CPP_CACHE"):
        return Path(os.environ["MIGRATE_CPP_CACHE"])
    return Path(user_cache_dir("cpp-build"))


def source_files(source_dir: Path) -> list[Path]:
    return sorted(p for p in source_dir.iterdir() if p.is_file() and p.suffix in SOURCE_SUFFIXES)


def cache_key(sources: dict[str, bytes], torch_version: str, torch_dir: str) -> str:
    """A short hash of what the build depends on: source names and contents, torch version and location."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(f"{name}\0{len(sources[name])}\0".encode())
        digest.update(sources[name])
    digest.update(f"torch\0{torch_version}\0{torch_dir}".encode())
    return digest.hexdigest()[:16]


def find_tools(environ: dict[str, str] | None = None) -> tuple[str | None, str | None, str | None]:
    """(cmake, C++ compiler, problem): the tools on PATH, or the message naming what is missing."""
    environ = dict(os.environ if environ is None else environ)
    path = environ.get("PATH", "")
    cmake = shutil.which("cmake", path=path)
    wanted = [environ["CXX"]] if environ.get("CXX") else ["c++", "g++", "clang++"]
    compiler = next((found for name in wanted if (found := shutil.which(name, path=path))), None)
    if cmake is None:
        return None, compiler, "cmake not found on PATH: install cmake >= 3.18 (e.g. `apt-get install cmake`)"
    if compiler is None:
        names = " or ".join(wanted)
        return cmake, None, f"no C++ compiler ({names}) found on PATH: install g++ (e.g. `apt-get install g++`)"
    return cmake, compiler, None


def build_runners(
    source_dir: Path | None = None,
    cache_root: Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    timeout_s: float = BUILD_TIMEOUT_S,
    retry_failed: bool = False,
) -> BuildResult:
    """Build both runners, or reuse the cached build for these sources and this torch.

    A build that failed with the same cmake and compiler is not retried unless ``retry_failed`` or
    ``force`` (``migrate cpp build`` retries; the convert strategies do not, so a broken toolchain
    costs one failed build, not one per target).
    """
    import torch

    started = time.monotonic()
    source_dir = Path(source_dir or default_source_dir())
    cache_root = Path(cache_root or default_cache_root())
    if not (source_dir / "CMakeLists.txt").is_file():
        return BuildResult(ok=False, error=f"{source_dir}: no CMakeLists.txt (runner sources not found)")
    cmake, compiler, problem = find_tools()
    sources = {p.name: p.read_bytes() for p in source_files(source_dir)}
    key = cache_key(sources, torch.__version__, os.path.dirname(torch.__file__))
    build_dir = cache_root / key
    runners = {name.removesuffix("_runner"): build_dir / name for name in RUNNER_NAMES}

    try:
        cache_root.mkdir(parents=True, exist_ok=True)
        lock_file = open(cache_root / f"{key}.lock", "w")
    except OSError as exc:
        return BuildResult(ok=False, error=f"{cache_root}: cannot create the build cache: {exc.strerror or exc}")
    with lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file closes
        if not force and _is_complete(build_dir, runners):
            return BuildResult(True, build_dir, runners, cached=True, seconds=time.monotonic() - started)
        if problem:
            return BuildResult(ok=False, build_dir=build_dir, error=problem, seconds=time.monotonic() - started)
        log_path = build_dir / "build.log"
        tools = {"cmake": cmake, "compiler": compiler}
        earlier = _earlier_failure(build_dir, tools)
        if earlier and not (force or retry_failed):
            error = f"{earlier} (an earlier build failed; `migrate cpp build` retries)"
            return BuildResult(ok=False, build_dir=build_dir, error=error, log_path=log_path)
        (build_dir / STAMP).unlink(missing_ok=True)
        (build_dir / FAILED_STAMP).unlink(missing_ok=True)
        build_dir.mkdir(parents=True, exist_ok=True)
        error = _run_cmake(cmake, compiler, source_dir, build_dir, log_path, jobs, timeout_s, torch.utils.cmake_prefix_path)
        seconds = time.monotonic() - started
        if error is None and not all(p.is_file() for p in runners.values()):
            error = "cmake finished but the runner executables are missing"
        if error:
            (build_dir / FAILED_STAMP).write_text(json.dumps({**tools, "error": error}, indent=1))
            return BuildResult(ok=False, build_dir=build_dir, error=error, seconds=seconds, log_path=log_path)
        stamp = {"key": key, "torch": torch.__version__, "sources": str(source_dir), "seconds": round(seconds, 1)}
        (build_dir / STAMP).write_text(json.dumps(stamp, indent=1))
        return BuildResult(True, build_dir, runners, cached=False, seconds=seconds, log_path=log_path)


def _earlier_failure(build_dir: Path, tools: dict) -> str | None:
    """The error of an earlier failed build with these same tools, if any."""
    try:
        failure = json.loads((build_dir / FAILED_STAMP).read_text())
    except (OSError, ValueError):
        return None
    same_tools = all(failure.get(name) == path for name, path in tools.items())
    return str(failure.get("error")) if same_tools else None


def _is_complete(build_dir: Path, runners: dict[str, Path]) -> bool:
    return (build_dir / STAMP).is_file() and all(os.access(p, os.X_OK) for p in runners.values())


def _run_cmake(cmake, compiler, source_dir, build_dir, log_path, jobs, timeout_s, torch_prefix) -> str | None:
    """Configure and build; None on success, else the reason with the end of the log."""
    configure = [
        cmake, "-S", str(source_dir), "-B", str(build_dir),
        f"-DCMAKE_PREFIX_PATH={torch_prefix}",
        f"-DCMAKE_CXX_COMPILER={compiler}",
        "-DCMAKE_BUILD_TYPE=Release",
    ]  # fmt: skip
    build = [cmake, "--build", str(build_dir), "-j", str(jobs or os.cpu_count() or 1)]
    deadline = time.monotonic() + timeout_s
    with open(log_path, "w") as log:
        for step, command in (("configure", configure), ("build", build)):
            log.write(f"$ {' '.join(command)}\n")
            log.flush()
            try:
                done = subprocess.run(
                    command, stdout=log, stderr=subprocess.STDOUT, timeout=max(1.0, deadline - time.monotonic())
                )
            except subprocess.TimeoutExpired:
                return f"cmake {step} timed out after {timeout_s:.0f} s (log: {log_path})"
            except OSError as exc:
                return f"cannot run cmake: {exc.strerror or exc}"
            if done.returncode != 0:
                return f"cmake {step} failed (exit {done.returncode}); log: {log_path}\n{_tail(log_path)}"
    return None


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(errors="replace").splitlines()
    errors = [line for line in text if "error" in line.lower()]
    return "\n".join((errors or text)[-lines:])
