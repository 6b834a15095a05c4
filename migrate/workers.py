"""Per-file work in worker processes, shared by the scan and the codemods.

Work runs in processes even with one job: libcst's native parser can crash its process on
pathological input, and a crash must cost one file, not the run. Items go in batches, largest first;
when the pool breaks, the items of the broken batches are retried one process each, and an item whose
own process dies gets `on_crash(item)` as its result. Each item also gets a time limit: SIGALRM's
default action ends a worker stuck in native code, which then counts as a crash.

Workers never outlive the run: each one dies with its parent (Linux: PR_SET_PDEATHSIG; elsewhere a
watchdog thread that sees the parent change), and a worker told to stop (SIGTERM, Ctrl-C, the parent
gone) unwinds the item it is in, so that the item's own clean-up runs (the codemods' atomic write
removes its temporary file and leaves the original as it was), then exits. When the parent itself
is stopped (an exception, Ctrl-C, SIGTERM turned into SystemExit by the CLI), it cancels the work not
started and stops its workers before it re-raises.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

Progress = Callable[[int, int], None]  # (items done, items in all)
ITEM_TIME_LIMIT_S = 120
_BATCH = 8


_PR_SET_PDEATHSIG = 1


class Stopped(BaseException):
    """Raised inside a worker's item when the run is being stopped; only `_call` catches it."""


_inside_item = False


def die_with_parent(parent_pid: int, on_orphaned: Callable[[], None] | None = None) -> None:
    """Make this process stop when `parent_pid` (its parent) exits: SIGTERM from the kernel on Linux,
    a watchdog thread elsewhere. `on_orphaned` runs instead of the signal where given (watchdog only)."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0:
                if os.getppid() != parent_pid:  # the parent died before prctl took effect
                    os.kill(os.getpid(), signal.SIGTERM)
                return
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.2)
        (on_orphaned or (lambda: os.kill(os.getpid(), signal.SIGTERM)))()

    threading.Thread(target=watch, name="migrate-parent-watchdog", daemon=True).start()


_UNWIND_S = 2.0  # how long an item may take to unwind once told to stop


def _stop(signum, frame) -> None:
    if not _inside_item:
        os._exit(128 + signum)
    # The handler runs wherever the main thread is: inside a __del__ or a callback the exception would be
    # swallowed and the worker would live on, orphaned. A timer thread ends it whatever happens.
    timer = threading.Timer(_UNWIND_S, os._exit, args=(128 + signum,))
    timer.daemon = True
    timer.start()
    raise Stopped()  # unwind the item: its finally/except blocks clean up


def _worker_init(parent_pid: int) -> None:
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)  # Ctrl-C reaches the whole process group: the parent decides
    die_with_parent(parent_pid)


def _executor(jobs: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_worker_init,
                               initargs=(os.getpid(),))


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Cancel what has not started and stop the workers (SIGTERM: each unwinds its item, then exits)."""
    processes = list(getattr(pool, "_processes", {}).values())  # no public API lists a pool's processes
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


def _call(func: Callable, item: tuple):
    global _inside_item
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(ITEM_TIME_LIMIT_S)
    _inside_item = True
    try:
        return func(*item)
    except Stopped:
        os._exit(128 + signal.SIGTERM)
    finally:
        _inside_item = False
        signal.alarm(0)


def _call_batch(func: Callable, batch: list):
    return [_call(func, item) for item in batch]


def _isolated(func: Callable, item: tuple, on_crash: Callable):
    pool = _executor(1)
    try:
        return pool.submit(_call, func, item).result()
    except BrokenProcessPool:
        return on_crash(item)
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True)


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
    pool = _executor(max(1, jobs))
    try:
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
    except BaseException:  # Ctrl-C, SystemExit from SIGTERM, an error, or the consumer closing us early
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=True)
    for item in retry:  # the pool broke: find the item that breaks it, one process each
        yield _isolated(func, item, on_crash)
        done += 1
        if progress:
            progress(done, total)
