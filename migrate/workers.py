"""Per-file work in worker processes, shared by the scan and the codemods.

Work runs in processes even with one job: libcst's native parser can crash its process on
pathological input, and a crash must cost one file, not the run. Items go in batches, largest first;
when the pool breaks, the items of the broken batches are retried one process each, and an item whose
own process dies gets `on_crash(item)` as its result. Each item also gets a time limit: SIGALRM's
default action ends a worker stuck in native code, which then counts as a crash.
"""

from __future__ import annotations

import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

Progress = Callable[[int, int], None]  # (items done, items in all)
ITEM_TIME_LIMIT_S = 120
_BATCH = 8


def _executor(jobs: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def _call(func: Callable, item: tuple):
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(ITEM_TIME_LIMIT_S)
    try:
        return func(*item)
    finally:
        signal.alarm(0)


def _call_batch(func: Callable, batch: list):
    return [_call(func, item) for item in batch]


def _isolated(func: Callable, item: tuple, on_crash: Callable):
    with _executor(1) as pool:
        try:
            return pool.submit(_call, func, item).result()
        except BrokenProcessPool:
            return on_crash(item)


def map_in_workers(func: Callable, items: Iterable[tuple], jobs: int, on_crash: Callable,
                   progress: Progress | None = None, size: Callable | None = None) -> Iterator:
    """Yield `func(*item)` for every item, in completion order. `func` must be a module-level function;
    `size(item)` orders the work largest first."""
    items = sorted(items, key=lambda item: -size(item)) if size else list(items)
    total = len(items)
    if not total:
        return
    count = max(1, min(total, total // _BATCH, 64 * max(1, jobs)))
    batches = [items[i::count] for i in range(count)]
    done = 0
    retry = []
    with _executor(max(1, jobs)) as pool:
        futures = {pool.submit(_call_batch, func, batch): batch for batch in batches}
        for future in as_completed(futures):
            try:
                results = future.result()
            except BrokenProcessPool:
                retry.extend(futures[future])
                continue
            yield from results
            done += len(results)
            if progress:
                progress(done, total)
    for item in retry:  # the pool broke: find the item that breaks it, one process each
        yield _isolated(func, item, on_crash)
        done += 1
        if progress:
            progress(done, total)
