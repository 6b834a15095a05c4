"""Scan benchmark: `python -m migrate.scan.benchmark [PATH] [--torchfix] [--jobs N]`.

Scans PATH (default: the installed torch package's own sources) cold (fresh cache) and warm (same
cache, unchanged tree), prints files/s and lines/s, and with --torchfix runs `torchfix -j N PATH` on the
same tree (pip install torchfix) for a side-by-side ratio. Figures are printed, never asserted:
timings on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

from migrate.scan.batch import scan
from migrate.scan.discover import discover, scan_root
from migrate.scan.model import ScanConfig


def default_path() -> str:
    import importlib.util

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("torch is not installed: name a folder to scan")
    return list(spec.submodule_search_locations)[0]


def count_lines(paths: list[str], python_only: bool) -> tuple[int, int]:
    files, _ = discover(paths, scan_root(paths), respect_gitignore=False)
    total_files = total_lines = 0
    for source in files:
        if python_only and source.language != "python":
            continue
        try:
            with open(source.path, "rb") as handle:
                total_lines += handle.read().count(b"\n")
            total_files += 1
        except OSError:
            pass
    return total_files, total_lines


def _row(label: str, seconds: float, files: int, lines: int) -> str:
    return (f"{label:<28} {seconds:9.2f} s {files / seconds:12,.0f} files/s {lines / seconds:14,.0f} lines/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m migrate.scan.benchmark", description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", help="folder to scan (default: the installed torch package)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--torchfix", action="store_true", help="also time `torchfix -j JOBS PATH`")
    args = parser.parse_args(argv)
    path = args.path or default_path()
    py_files, py_lines = count_lines([path], python_only=True)
    all_files, all_lines = count_lines([path], python_only=False)
    print(f"tree: {path}\n  {py_files:,} Python files, {py_lines:,} lines; {all_files:,} files with C++ sources, "
          f"{all_lines:,} lines; {args.jobs} jobs; {os.cpu_count()} CPUs")
    cache = tempfile.mkdtemp(prefix="migrate-bench-cache-")
    try:
        config = ScanConfig(cache_dir=cache, jobs=args.jobs, respect_gitignore=False)
        start = time.perf_counter()
        cold = scan([path], config)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        warm = scan([path], config)
        warm_s = time.perf_counter() - start
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    assert warm.findings == cold.findings, "warm scan differs from cold scan"
    print(f"  findings: {len(cold.findings):,} in {cold.files_with_findings} files; {len(cold.errors)} files failed")
    print(_row("migrate scan, cold", cold_s, all_files, all_lines))
    print(_row("migrate scan, warm", warm_s, all_files, all_lines) + f"   ({warm.cache_hits:,} cache hits)")
    if args.torchfix:
        exe = shutil.which("torchfix")
        if exe is None:
            print("torchfix: not installed (pip install torchfix)")
            return 0
        start = time.perf_counter()
        done = subprocess.run([exe, "-j", str(args.jobs), path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        torchfix_s = time.perf_counter() - start
        print(_row(f"torchfix -j {args.jobs} (exit {done.returncode})", torchfix_s, py_files, py_lines))
        print(f"  ratio: migrate scan cold is {torchfix_s / cold_s:.1f}x faster than torchfix "
              f"(torchfix reads Python files only; migrate also scans C++)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
