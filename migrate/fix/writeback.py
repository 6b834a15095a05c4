"""The I/O edge of the fix stage: read a source file keeping how it was written, write it back safely.

A write goes to a temporary file in the same folder which then replaces the original (os.replace, atomic
on POSIX), with the original's mode, encoding, BOM and line endings; it is refused when the file changed
on disk since it was read. Symbolic links are followed: the file they point to is rewritten, the link kept.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass

from migrate.source_text import DecodeError, decode_python


@dataclass(frozen=True)
class Source:
    path: str  # as the OS opens it
    data: bytes  # exactly as read
    text: str
    encoding: str
    bom: bool


class WriteError(Exception):
    pass


def read_source(path: str) -> Source:
    """Raises OSError or DecodeError (both with a message to show)."""
    with open(path, "rb") as handle:
        data = handle.read()
    decoded = decode_python(data)
    return Source(path, data, decoded.text, decoded.encoding, decoded.bom)


def encode(source: Source, text: str) -> bytes:
    """The new text in the file's own encoding and BOM. Line endings are those libcst kept from the source."""
    try:
        data = text.encode(source.encoding)
    except UnicodeEncodeError as exc:
        raise WriteError(f"the rewritten text cannot be written in the file's encoding {source.encoding}: "
                         f"{exc.reason}") from None
    return (b"\xef\xbb\xbf" + data) if source.bom else data


def write_atomic(source: Source, text: str) -> None:
    """Replace the file's content with `text`, unless the file changed on disk since it was read."""
    target = os.path.realpath(source.path)
    data = encode(source, text)
    try:
        with open(target, "rb") as handle:
            current = handle.read()
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError as exc:
        raise WriteError(f"cannot read the file again before writing: {exc.strerror or exc}") from None
    if current != source.data:
        raise WriteError("the file changed on disk since it was read; not overwritten (run again)")
    folder = os.path.dirname(target) or "."
    try:
        fd, temp = tempfile.mkstemp(prefix=".migrate-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise WriteError(f"cannot create a temporary file in {folder}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException as exc:  # also a stop (Ctrl-C, SIGTERM, the parent gone): no temp file is left
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write: {exc.strerror or exc}") from None
        raise


__all__ = ["Source", "WriteError", "DecodeError", "read_source", "write_atomic", "encode"]
