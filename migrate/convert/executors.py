"""How targets are spread: ``process`` (worker processes on this machine, ``--jobs`` at a time) or
``ray`` (one Ray task per target, ``ray_executor.py``).

Either way each target runs in its own worker process (``supervisor.run_worker``: timeouts,
crashes, memory), and the results come back in the order of the targets.

``process``: a thread per running target watches its worker; each worker is pinned to its own
``--threads`` cores (``resources.core_slots``), so that no worker times its programs on a core
another target's conversion is loading, and a worker times its programs with the others paused
(``timing_gate.py``: neighbouring cores still share cache and memory bandwidth). With one job the
worker is not pinned and nothing is paused. With several, the targets start longest first by their
last recorded time (``durations.py``), so that no long target is left to run on alone at the end.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Callable

from migrate.convert import durations
from migrate.convert.resources import core_slots, usable_cores
from migrate.convert.results import StrategyResult
from migrate.convert.targets import TargetRef

EXECUTORS = ("process", "ray")


def locked(on_event: Callable[[dict], None]) -> Callable[[dict], None]:
    """``on_event`` callable from several threads (one event at a time)."""
    lock = threading.Lock()

    def call(event: dict) -> None:
        with lock:
            on_event(event)

    return call


def run_in_processes(refs: list[TargetRef], names: list[str], options, on_event, jobs: int,
                     on_done: Callable[[int, dict], None] | None = None) -> list[dict[str, StrategyResult]]:
    """Results of every target, ``jobs`` workers at a time, each pinned to its own cores."""
    from migrate.convert import supervisor

    slots = core_slots(jobs, options.threads, usable_cores()) if jobs > 1 else [()]
    seconds: dict[str, float] = {}

    def timed(ref: TargetRef, worker_options) -> dict[str, StrategyResult]:
        started = time.monotonic()
        results = supervisor.run_worker(ref, names, worker_options, on_event)
        seconds[durations.key(ref)] = time.monotonic() - started
        return results

    if len(slots) <= 1 or len(refs) <= 1:
        out = []
        try:
            for index, ref in enumerate(refs):
                out.append(timed(ref, replace(options, cpus=())))
                if on_done:
                    on_done(index, out[-1])
        finally:
            durations.save(options.cache_dir, seconds)
        return out
    free: queue.Queue = queue.Queue()
    for slot in slots:
        free.put(slot)
    done_lock = threading.Lock()

    def one(index: int, ref: TargetRef) -> dict[str, StrategyResult]:
        cpus = free.get()
        try:
            results = timed(ref, replace(options, cpus=cpus, exclusive_timing=True))
        finally:
            free.put(cpus)
        if on_done:
            with done_lock:
                on_done(index, results)
        return results

    pool = ThreadPoolExecutor(max_workers=len(slots), thread_name_prefix="migrate-target")
    try:
        futures = {i: pool.submit(one, i, refs[i]) for i in durations.longest_first(refs, durations.load(options.cache_dir))}
        return [futures[i].result() for i in range(len(refs))]
    except BaseException:  # Ctrl-C, SIGTERM: nothing new starts, the running workers are killed
        pool.shutdown(wait=False, cancel_futures=True)
        supervisor._kill_live_workers()
        raise
    finally:
        pool.shutdown(wait=True)
        durations.save(options.cache_dir, seconds)
