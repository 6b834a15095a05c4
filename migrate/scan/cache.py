"""Scan results cached per scanned root, keyed by path and validated by size, mtime and content hash.

A warm re-scan of an unchanged tree only stats files. A file whose size or mtime changed is read and
hashed; if the hash is unchanged the cached result stands. The cache is invalidated as a whole when
the tool version or the rule catalogue changes. It is written atomically (temp file, then rename);
a missing, corrupt or foreign cache is ignored, and so is every entry of the wrong shape (valid JSON
written by something else, or edited by hand): such an entry is a miss, never trusted.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import fields
from importlib import resources

from migrate import __version__
from migrate.scan.model import Finding

CACHE_FORMAT = 1


def fingerprint() -> str:
    """What invalidates every entry: the tool version, the catalogue and the analyser's own sources."""
    digest = hashlib.sha256(f"{CACHE_FORMAT}:{__version__}".encode())
    package = resources.files("migrate.scan")
    for name in ("catalogue.toml", "fixable.toml", "collect.py", "matches.py", "resolve.py", "prefilter.py",
                 "analyze.py", "cpp.py", "star_imports.py"):
        digest.update(package.joinpath(name).read_bytes())
    digest.update(resources.files("migrate").joinpath("source_text.py").read_bytes())
    return digest.hexdigest()[:16]


_FINDING_TYPES = {f.name: (int if f.type == "int" else str) for f in fields(Finding)}
_ENTRY_TYPES = {"size": int, "mtime_ns": int, "hash": str, "findings": list}


def valid_entry(entry) -> bool:
    """An entry as :meth:`ScanCache.store` writes it: anything else is treated as a cache miss."""
    if not isinstance(entry, dict) or set(entry) != {*_ENTRY_TYPES, "error", "star"}:
        return False
    if not all(type(entry[key]) is kind for key, kind in _ENTRY_TYPES.items()):
        return False
    if any(entry[key] is not None and not isinstance(entry[key], str) for key in ("error", "star")):
        return False
    return all(
        isinstance(f, dict) and set(f) == set(_FINDING_TYPES) and all(type(f[k]) is v for k, v in _FINDING_TYPES.items())
        for f in entry["findings"]
    )


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
            if isinstance(data, dict) and data.get("fingerprint") == self.fingerprint:
                entries = data.get("entries")
                if isinstance(entries, dict):
                    self.entries = {path: entry for path, entry in entries.items() if valid_entry(entry)}
        except (OSError, ValueError):
            self.entries = {}

    def lookup(self, relpath: str, size: int, mtime_ns: int) -> tuple[dict | None, dict | None]:
        """(fresh entry, stale entry): fresh when size and mtime match; stale may still match by hash."""
        entry = self.entries.get(relpath) if self.enabled else None
        if entry is None:
            return None, None
        if entry["size"] == size and entry["mtime_ns"] == mtime_ns and entry["star"] is None:
            return entry, None  # (a file with star imports of tree modules depends on them: re-checked)
        return None, entry

    def store(self, relpath: str, size: int, mtime_ns: int, digest: str, findings: list, error,
              star: str | None = None) -> None:
        if self.enabled:
            self.entries[relpath] = {"size": size, "mtime_ns": mtime_ns, "hash": digest,
                                     "findings": findings, "error": error, "star": star}
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
