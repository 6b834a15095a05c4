"""The scan: discover files, reuse cached results, analyse the rest in parallel processes, select rules.

This is the I/O edge of the scanner; `analyze.py` holds the pure per-file work.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Callable

from migrate.scan.analyze import analyze
from migrate.scan.cache import ScanCache, content_hash, default_cache_dir
from migrate.scan.catalogue import select_rules
from migrate.scan.files import SourceFile, discover, scan_root
from migrate.scan.model import FileError, Finding, ScanConfig, ScanResult

Progress = Callable[[int, int], None]  # (files done, files to analyse)
_BATCH = 8


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


# A worker that spends longer than this on one file is stopped (SIGALRM's default action ends the
# process; the file is then retried alone and reported): the last guard against parser pathologies.
FILE_TIME_LIMIT_S = 120


def _analyze_one(source: SourceFile, known_hash: str | None):
    """Runs in a worker. Returns (relpath, size, mtime, hash, findings as dicts or None if unchanged, error)."""
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(FILE_TIME_LIMIT_S)
    try:
        return _analyze_in_worker(source, known_hash)
    finally:
        signal.alarm(0)


def _analyze_in_worker(source: SourceFile, known_hash: str | None):
    try:
        data = _read(source.path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, PermissionError):
            reason = "permission denied"
        return source.relpath, source.size, source.mtime_ns, None, [], reason
    digest = content_hash(data)
    if digest == known_hash:
        return source.relpath, source.size, source.mtime_ns, digest, None, None
    findings, error = analyze(data, source.relpath, source.language)
    return (source.relpath, source.size, source.mtime_ns, digest, [f.to_dict() for f in findings],
            error.reason if error else None)


def _analyze_batch(batch):
    return [_analyze_one(source, known) for source, known in batch]


def _executor(jobs: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=jobs, mp_context=context)


def _isolated(source: SourceFile, known: str | None):
    """Analyse one file in a process of its own, so that a crash of the parser costs only this file."""
    with _executor(1) as pool:
        try:
            return pool.submit(_analyze_one, source, known).result()
        except BrokenProcessPool:
            return (source.relpath, source.size, source.mtime_ns, None, [],
                    f"the parser crashed or ran past {FILE_TIME_LIMIT_S} s on this file (code nested too deeply?)")


def _run(todo: list, jobs: int, progress: Progress | None):
    """Analyse in worker processes, even with one job: libcst's native parser can crash the process on
    pathological input (e.g. a 100,000-term expression), and a crash must cost one file, not the run."""
    total = len(todo)
    if not total:
        return
    # Largest files first so that no worker is left with a big file at the end.
    todo = sorted(todo, key=lambda item: -item[0].size)
    count = max(1, min(total, total // _BATCH, 64 * jobs))
    batches = [todo[i::count] for i in range(count)]
    done = 0
    retry = []
    with _executor(max(1, jobs)) as pool:
        futures = {pool.submit(_analyze_batch, batch): batch for batch in batches}
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
    for source, known in retry:  # the pool broke: find the file that breaks it, one process per file
        yield _isolated(source, known)
        done += 1
        if progress:
            progress(done, total)


def scan(paths: list[str], config: ScanConfig | None = None, *, root: str | None = None,
         progress: Progress | None = None) -> ScanResult:
    """Scan files and folders; never raises for anything a scanned file contains."""
    started = time.perf_counter()
    config = config or ScanConfig()
    paths = [str(p) for p in paths]
    root = os.path.abspath(root) if root else scan_root(paths)
    files, errors = discover(paths, root, config.include, config.exclude, config.respect_gitignore, config.base)
    cache_dir = default_cache_dir() if config.cache_dir is None else config.cache_dir
    cache = ScanCache(cache_dir or None, root)
    enabled = select_rules(config.select, config.ignore)

    outcomes: dict[str, tuple[list, str | None]] = {}
    todo = []
    hits = 0
    for source in files:
        if source.size > config.max_file_bytes:
            errors.append(FileError(source.relpath, f"file too large ({source.size / 1e6:.1f} MB; the limit is "
                                                    f"{config.max_file_bytes / 1e6:.0f} MB, max-file-size in [tool.migrate])"))
            continue
        fresh, stale = cache.lookup(source.relpath, source.size, source.mtime_ns)
        if fresh is not None:
            outcomes[source.relpath] = (fresh["findings"], fresh["error"])
            hits += 1
        else:
            todo.append((source, stale))

    jobs = config.jobs or os.cpu_count() or 1
    stale_of = {source.relpath: stale for source, stale in todo}
    work = [(source, stale["hash"] if stale else None) for source, stale in todo]
    for relpath, size, mtime_ns, digest, findings, error in _run(work, jobs, progress):
        if findings is None:  # touched but unchanged
            findings, error = stale_of[relpath]["findings"], stale_of[relpath]["error"]
        outcomes[relpath] = (findings, error)
        if digest is not None:
            cache.store(relpath, size, mtime_ns, digest, findings, error)
    cache.save()

    found = []
    for relpath, (findings, error) in outcomes.items():
        if error:
            errors.append(FileError(relpath, error))
        found.extend(Finding(**f) for f in findings if f["rule"] in enabled)
    found.sort(key=lambda f: f.sort_key)
    errors.sort(key=lambda e: e.path)
    return ScanResult(root=root, files_scanned=len(files), findings=tuple(found), errors=tuple(errors),
                      seconds=time.perf_counter() - started, cache_hits=hits)
