"""What a conversion run may use of the machine: cores per worker, memory per worker.

Pure functions, plus the two reads of the machine they need (its usable cores, its memory) and
the read of a worker's memory (the resident set of its process group, from /proc).

Cores: ``--jobs N`` workers run at once, each pinned to its own ``--threads`` cores
(``core_slots``), so a worker timing its programs never shares a core with another target's
conversion. When ``jobs * threads`` is more than the machine has, the run uses fewer workers
(``effective_jobs``) rather than measure latency on shared cores.

Memory: each worker may use ``--max-memory`` (default: ``MEMORY_SHARE`` of the machine's memory,
divided by the number of workers); one over it is stopped and reported ``out of memory``.
"""

from __future__ import annotations

import os
import re

MEMORY_SHARE = 0.8  # of the machine's memory, split between the workers
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def usable_cores() -> list[int]:
    """The cores this process may run on (its affinity mask), in order."""
    try:
        return sorted(os.sched_getaffinity(0))
    except AttributeError:  # not Linux: every core, by index
        return list(range(os.cpu_count() or 1))


def default_jobs(threads: int = 1, cores: int | None = None) -> int:
    """The number of workers when ``--jobs`` is not given: as many as the cores hold ``threads`` each."""
    cores = len(usable_cores()) if cores is None else cores
    return max(1, cores // max(1, threads))


def effective_jobs(jobs: int, threads: int, cores: int) -> int:
    """Workers that can run at once with ``threads`` cores each and none shared (at least 1)."""
    return max(1, min(jobs, cores // max(1, threads)))


def core_slots(jobs: int, threads: int, cores: list[int]) -> list[tuple[int, ...]]:
    """``jobs`` disjoint sets of ``threads`` cores each (one per worker); a single worker gets no pinning
    when it would need more cores than there are (an empty tuple: run unpinned)."""
    jobs = effective_jobs(jobs, threads, len(cores))
    if threads > len(cores):
        return [()]
    return [tuple(cores[i * threads:(i + 1) * threads]) for i in range(jobs)]


def parse_size(text: str | int | None) -> int | None:
    """Bytes from "4G", "512M", "1.5g", "2000000" (None, "", "0", "none": no limit). Raises ValueError."""
    if text is None:
        return None
    if isinstance(text, int):
        return text or None
    value = str(text).strip().lower()
    if value in ("", "0", "none", "off", "unlimited"):
        return None
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", value)
    if not match:
        raise ValueError(f"not a size: {text!r} (e.g. 4G, 512M)")
    size = int(float(match.group(1)) * _UNITS[match.group(2)])
    if size <= 0:
        raise ValueError(f"not a size: {text!r}")
    return size


def format_size(size: int) -> str:
    for unit, factor in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size >= factor:
            return f"{size / factor:.3g} {unit}iB"
    return f"{size} B"


def machine_memory() -> int | None:
    """Bytes of memory of the machine (None when unknown)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_max_memory(jobs: int, total: int | None = None) -> int | None:
    """Bytes each of ``jobs`` workers may use by default (None when the machine's memory is unknown)."""
    total = machine_memory() if total is None else total
    return int(total * MEMORY_SHARE / max(1, jobs)) if total else None


def group_rss(pgid: int) -> int:
    """Resident bytes of every process in process group ``pgid`` (a worker and the compilers it started).

    0 where /proc cannot be read (not Linux): no limit is enforced there.
    """
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    total = 0
    try:
        entries = os.listdir("/proc")
    except OSError:
        return 0
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (comm) "
            if int(fields[2]) != pgid:  # state ppid pgrp ...
                continue
            with open(f"/proc/{entry}/statm", "rb") as f:
                total += int(f.read().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
    return total
