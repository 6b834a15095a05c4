"""The longest targets start first with ``--jobs`` above 1, by how long each took last time.

Workers take targets in order, so a long target near the end of the list runs on alone while the
other cores idle: in the bench, timm's mobilenetv3 (about 30 s) is the 15th of 16 targets and the
other worker ran out of work long before it ended. Ordering by the last run's wall time, longest
first (the scheduling ``pytest-xdist``'s and ninja's users know: largest first, from the log),
leaves only short targets for the end. Targets with no recorded time start first, in their order
(a new target may be long). The results are still reported in the order of the targets.

Every process-pool run records each target's worker time in ``CACHE_DIR/durations.json`` (keyed
by the target's file and name), written to a temporary name and renamed; an unreadable file is
ignored and rewritten.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from migrate.convert.targets import TargetRef

FILE = "durations.json"


def key(ref: TargetRef) -> str:
    return f"{os.path.abspath(ref.file)}::{ref.name}"


def load(cache_dir: Path) -> dict[str, float]:
    try:
        data = json.loads((Path(cache_dir) / FILE).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: float(v) for k, v in data.items() if isinstance(v, (int, float))}


def longest_first(refs: list[TargetRef], known: dict[str, float]) -> list[int]:
    """Indices of ``refs`` in the order to start them: unknown first (in order), then longest first."""
    return sorted(range(len(refs)), key=lambda i: (key(refs[i]) in known, -known.get(key(refs[i]), 0.0), i))


def save(cache_dir: Path, seconds: dict[str, float]) -> None:
    """Merge ``seconds`` (key -> worker wall seconds) into the file; a failure to write costs only the order."""
    if not seconds:
        return
    path = Path(cache_dir) / FILE
    data = {**load(cache_dir), **{k: round(v, 2) for k, v in seconds.items()}}
    temporary = path.with_name(f".{FILE}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(data, indent=0, sort_keys=True))
        os.replace(temporary, path)
    except OSError:
        try:
            temporary.unlink()
        except OSError:
            pass
