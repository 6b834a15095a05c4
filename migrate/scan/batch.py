"""The scan: discover files, reuse cached results, analyse the rest in parallel processes, select rules.

This is the I/O edge of the scanner; `analyze.py` holds the pure per-file work.
"""

from __future__ import annotations

import os
import time

from migrate.scan import star_imports
from migrate.scan.analyze import analyze
from migrate.config import user_cache_dir
from migrate.scan.cache import ScanCache, content_hash
from migrate.scan.catalogue import select_rules
from migrate.scan.discover import SourceFile, discover, scan_root
from migrate.scan.model import FileError, Finding, ScanConfig, ScanResult
from migrate.workers import ITEM_TIME_LIMIT_S, Progress, map_in_workers


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _analyze_one(source: SourceFile, known_hash: str | None, known_star: str | None, root: str):
    """Runs in a worker. Returns (relpath, size, mtime, hash, findings as dicts or None if unchanged, error,
    star): ``star`` is the digest of what the file's star imports of tree modules bind (None: none), so
    that a change in such a module re-analyses the files that star-import it."""
    try:
        data = _read(source.path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if isinstance(exc, PermissionError):
            reason = "permission denied"
        return source.relpath, source.size, source.mtime_ns, None, [], reason, None
    digest = content_hash(data)
    bindings = star_imports.star_bindings(data, source.path, root) if source.language == "python" else {}
    star = star_imports.digest(bindings)
    if digest == known_hash and star == known_star:
        return source.relpath, source.size, source.mtime_ns, digest, None, None, star
    findings, error = analyze(data, source.relpath, source.language, bindings)
    return (source.relpath, source.size, source.mtime_ns, digest, [f.to_dict() for f in findings],
            error.reason if error else None, star)


def _crashed(source: SourceFile, known_hash: str | None, known_star: str | None, root: str):
    return (source.relpath, source.size, source.mtime_ns, None, [],
            f"the parser crashed or ran past {ITEM_TIME_LIMIT_S} s on this file (code nested too deeply?)", None)


def scan(paths: list[str], config: ScanConfig | None = None, *, root: str | None = None,
         progress: Progress | None = None) -> ScanResult:
    """Scan files and folders; never raises for anything a scanned file contains."""
    started = time.perf_counter()
    config = config or ScanConfig()
    paths = [str(p) for p in paths]
    root = os.path.abspath(root) if root else scan_root(paths)
    files, errors = discover(paths, root, config.include, config.exclude, config.respect_gitignore, config.base,
                             config.force_exclude)
    cache_dir = user_cache_dir("scan") if config.cache_dir is None else config.cache_dir
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
    work = [(source, stale["hash"] if stale else None, stale["star"] if stale else None, root) for source, stale in todo]
    results = map_in_workers(_analyze_one, work, jobs, on_crash=_crashed, progress=progress,
                             size=lambda item: item[0].size)
    for relpath, size, mtime_ns, digest, findings, error, star in results:
        if findings is None:  # touched but unchanged
            findings, error = stale_of[relpath]["findings"], stale_of[relpath]["error"]
        outcomes[relpath] = (findings, error)
        if digest is not None:
            cache.store(relpath, size, mtime_ns, digest, findings, error, star)
    cache.save()

    found = []
    for relpath, (findings, error) in outcomes.items():
        if error:
            errors.append(FileError(relpath, error))
        found.extend(Finding(**f) for f in findings if f["rule"] in enabled)
    found.sort(key=lambda f: f.sort_key)
    errors.sort(key=lambda e: e.path)
    links = tuple((s.relpath, tuple(sorted(s.also))) for s in files if s.also and s.relpath in {f.path for f in found})
    return ScanResult(root=root, files_scanned=len(files), findings=tuple(found), errors=tuple(errors), links=links,
                      seconds=time.perf_counter() - started, cache_hits=hits)
