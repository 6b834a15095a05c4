"""The real-model suite: run the targets files, compare migrate's verdicts with the expected ones.

``run_suite(files, targets)`` converts with ``migrate.convert.convert`` (no AOTInductor) and
returns the run and the agreement rows ``(target, strategy, expected, migrate)``. The test module
asserts them; ``python -m tests.real_models`` prints them as a table with the wall time.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _packages import installed  # noqa: E402
from _expected import EXPECTED, FILES, STRATEGIES  # noqa: E402


def available_files() -> tuple[list[Path], list[str]]:
    """The targets files whose package is installed, and a reason for each one left out."""
    files, left_out = [], []
    for name, package in FILES.items():
        if installed(package):
            files.append(HERE / name)
        else:
            left_out.append(f"{name}: {package} is not installed (pip install -e \".[real-models]\")")
    return files, left_out


def run_suite(files: list[Path], targets: list[str] | None = None, cache_dir: str | None = None):
    from migrate.convert import convert

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    started = time.monotonic()
    run = convert([str(f) for f in files], strategies=STRATEGIES, targets=targets, min_run_time=0.01,
                  timeout=600, cache_dir=cache_dir)
    rows = []
    for target in run.targets:
        for strategy, expected in EXPECTED.get(target.name, {}).items():
            result = target.result(strategy)
            rows.append((target.name, strategy, expected, result.status if result else "missing"))
    return run, rows, round(time.monotonic() - started, 1)


def agreement_table(rows) -> str:
    strategies = [s for s in STRATEGIES]
    by_target: dict[str, dict] = {}
    for target, strategy, expected, found in rows:
        by_target.setdefault(target, {})[strategy] = (expected, found)
    width = max([len(t) for t in by_target] + [6])
    lines = [f"{'target':<{width}} | " + " | ".join(f"{s:<17}" for s in strategies)]
    lines.append("-" * len(lines[0]))
    for target, cells in by_target.items():
        shown = []
        for s in strategies:
            expected, found = cells.get(s, ("–", "–"))
            mark = "" if expected == found else " ✗"
            shown.append(f"{expected if expected == found else expected + '≠' + found}{mark}"[:17].ljust(17))
        lines.append(f"{target:<{width}} | " + " | ".join(shown))
    agree = sum(e == f for _, _, e, f in rows)
    lines.append(f"agreement: {agree}/{len(rows)} verdicts (expected≠migrate marked ✗)")
    return "\n".join(lines)
