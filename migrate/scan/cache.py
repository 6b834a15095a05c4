"""Scan results cached per scanned root, keyed by path and validated by size, mtime and content hash.

A warm re-scan of an unchanged tree only stats files. A file whose size or mtime changed is read and
hashed; if the hash is unchanged the cached result stands. The cache is invalidated as a whole when
the tool version or the rule catalogue changes. It is written atomically (temp file, then rename);
a missing, corrupt or foreign cache is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from importlib import resources

from migrate import __version__

CACHE_FORMAT = 1


def fingerprint() -> str:
    """What invalidates every entry: the tool version, the catalogue and the analyser's own sources."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}:{__version__}".encode())
    package = resources.files("migrate.scan")
    for name in ("catalogue.toml", "fixable.toml", "collect.py", "matches.py", "resolve.py", "prefilter.py",
                 "analyze.py", "cpp.py"):
        digest.update(package.joinpath(name).read_bytes())
    digest.update(resources.files("migrate").joinpath("source_text.py").read_bytes())
    return digest.hexdigest()[:16]


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ScanCache:
    def __init__(self, directory: str | None, root: str) -> None:
        self.enabled = bool(directory)
        self.entries: dict[str, dict] = {}
        self.dirty = False
        if not self.enabled:
            return
        key = hashlib.sha256(os.path.abspath(root).encode()).hexdigest()[:16]
        self.path = os.path.join(directory, f"{key}.json")
        self.fingerprint = fingerprint()
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.load(handle)
            if data.get("fingerprint") == self.fingerprint:
                self.entries = data["entries"]
        except (OSError, ValueError, KeyError, TypeError):
            self.entries = {}

    def lookup(self, relpath: str, size: int, mtime_ns: int) -> tuple[dict | None, dict | None]:
        """(fresh entry, stale entry): fresh when size and mtime match; stale may still match by hash."""
        entry = self.entries.get(relpath) if self.enabled else None
        if entry is None:
            return None, None
        if entry["size"] == size and entry["mtime_ns"] == mtime_ns:
            return entry, None
        return None, entry

    def store(self, relpath: str, size: int, mtime_ns: int, digest: str, findings: list, error) -> None:
        if self.enabled:
            self.entries[relpath] = {"size": size, "mtime_ns": mtime_ns, "hash": digest,
                                     "findings": findings, "error": error}
            self.dirty = True

    def save(self) -> None:
        if not (self.enabled and self.dirty):
            return
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(self.path), prefix=".scan-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"fingerprint": self.fingerprint, "entries": self.entries}, handle, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only home or full disk costs speed, never the scan
