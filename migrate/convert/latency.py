"""Latency of one call: median and interquartile range over blocks of calls.

Three steps, of which only the last is the measurement:

1. warm-up: three calls (first calls compile, allocate, profile: TorchScript's profiling executor
   optimises on the second), each timed to estimate one call;
2. block size: enough calls per block that a block takes about ``BLOCK_S`` (the timer's own cost is
   then negligible, as in ``torch.utils.benchmark``'s ``blocked_autorange``), and one block run to
   check the estimate and warm up again;
3. the measurement: blocks of that many calls until ``min_run_time`` seconds have passed (at least
   ``MIN_BLOCKS``), after one block that is not counted (the caches are this program's again).

``phase`` wraps step 3 only: with ``--jobs`` above 1 that is the exclusive timing phase, where the
other workers are paused (``timing_gate.py``), so the warm-up and the block-size estimate, which need
no quiet machine, run beside the other workers' conversions. With one job the worker is pinned to
``--threads`` cores for step 3 (``pinned``), as each worker is for the whole run with several jobs,
so that both time on the same footing (in three paired runs of the ConditionalDecoder fixture, the
eager and export medians were 12-25 % lower with the process held on one core than with its
threads free to migrate).
"""

from __future__ import annotations

import contextlib
import math
import os
import time

BLOCK_S = 0.01  # seconds one block of calls should take
MIN_BLOCKS = 3


def torch_threads(threads: int):
    import torch

    @contextlib.contextmanager
    def scope():
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(before)

    return scope()


def block_size(call, per_block: float = BLOCK_S) -> int:
    """Calls per block: three warm-up calls estimate one, then a block of the estimate checks it."""
    seconds = []
    for _ in range(3):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    number = max(1, math.ceil(per_block / max(min(seconds[1:]), 1e-9)))
    started = time.perf_counter()
    for _ in range(number):
        call()
    per_call = (time.perf_counter() - started) / number  # the estimate, with warm caches
    return max(1, math.ceil(per_block / max(per_call, 1e-9)))


def timed_blocks(call, number: int, min_run_time: float, min_blocks: int = MIN_BLOCKS) -> list[float]:
    """Seconds per call of each block (one block first, not counted), until ``min_run_time`` has passed;
    blocks of ``number`` calls throughout (``interleaved_blocks`` with one program, never resized)."""
    times, _ = interleaved_blocks([call], [number], min_run_time, min_blocks, per_block=0.0)
    return times[0]


def interleaved_blocks(calls: list, numbers: list[int], min_run_time: float, min_blocks: int = MIN_BLOCKS,
                       per_block: float = BLOCK_S) -> tuple[list[list[float]], list[int]]:
    """``timed_blocks`` for several programs at once: one block of each per round, the order rotated
    every round (no program always follows the same one), until each has had ``min_run_time``
    seconds and ``min_blocks`` blocks; a drift of the host's speed then falls on all of them alike
    (``side_by_side.py``). Returns (seconds per call of each block, calls timed) per program.

    One uncounted block of each first. A block that took less than half of ``per_block`` sizes that
    program's next ones from it: an estimate made while the program was still slow (TorchScript's
    profiling executor optimises after a few calls) left the DynamicRouter fixture's jit.script at
    0.05 ms blocks, and since every round ran until it had its ``min_run_time``, the others ran
    45 s instead of 0.2 s each. A program that has its time and blocks leaves the rounds."""
    numbers = list(numbers)

    def block(which: int) -> float:
        started = time.perf_counter()
        for _ in range(numbers[which]):
            calls[which]()
        return time.perf_counter() - started

    def resized(which: int, spent: float) -> None:
        if spent < per_block / 2:
            numbers[which] = max(1, math.ceil(per_block * numbers[which] / max(spent, 1e-9)))

    for which in range(len(calls)):
        resized(which, block(which))
    times: list[list[float]] = [[] for _ in calls]
    counts, totals = [0] * len(calls), [0.0] * len(calls)
    active = list(range(len(calls)))
    round_index = 0
    while active:
        for step in range(len(active)):
            which = active[(round_index + step) % len(active)]
            number = numbers[which]
            spent = block(which)
            times[which].append(spent / number)
            counts[which] += number
            totals[which] += spent
            resized(which, spent)
        active = [w for w in active if totals[w] < min_run_time or len(times[w]) < min_blocks]
        round_index += 1
    return times, counts


def measured(calls: dict, threads: int, min_run_time: float, phase=None) -> dict:
    """Name -> ``Latency`` of each call: warm-up and block size first, then all timed round-robin
    (``interleaved_blocks``) inside ``phase`` on ``threads`` pinned cores. The caller sets torch's
    threads and no_grad."""
    from migrate.convert.strategies.base import Latency

    numbers = [block_size(call) for call in calls.values()]
    with (phase or contextlib.nullcontext)(), pinned(threads):
        times, counts = interleaved_blocks(list(calls.values()), numbers, min_run_time)
    out = {}
    for name, count, series in zip(calls, counts, times):
        median, iqr = summary(series)
        out[name] = Latency(median=round(median * 1e3, 6), iqr=round(iqr * 1e3, 6), runs=count)
    return out


def summary(times: list[float]) -> tuple[float, float]:
    """(median, interquartile range) of ``times``, interpolated as ``torch.quantile`` does."""
    ordered = sorted(times)

    def quantile(q: float) -> float:
        position = (len(ordered) - 1) * q
        low = math.floor(position)
        high = min(low + 1, len(ordered) - 1)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)

    return quantile(0.5), quantile(0.75) - quantile(0.25)


@contextlib.contextmanager
def pinned(cores: int):
    """Every thread of this process on its first ``cores`` allowed cores for the block (Linux), then back."""
    if not hasattr(os, "sched_getaffinity"):
        yield
        return
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) <= cores:  # already on that many cores (a worker pinned for the run)
        yield
        return
    tasks = _tasks()
    for tid in tasks:
        _set_affinity(tid, allowed[:cores])
    try:
        yield
    finally:
        for tid in tasks:
            _set_affinity(tid, allowed)


def _tasks() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc/self/task")]
    except OSError:
        return [0]


def _set_affinity(tid: int, cores) -> None:
    try:
        os.sched_setaffinity(tid, cores)
    except OSError:  # the thread is gone
        pass
