"""The scratch copy `migrate verify` rewrites and converts (files and processes: the edge of the stage).

Layout: every path is mirrored under the scratch folder at its absolute path (``/src/pkg/m.py`` ->
``SCRATCH/src/pkg/m.py``), so that one rule maps an original file to its copy, and every folder an
import may resolve from (the working folder, ``PYTHONPATH``, ``--path``, a capture's recorded
``sys.path``) has a mirror holding the copied tree at the same relative place. While the "after"
conversion runs, the working folder is the mirror of the user's (convert's workers import from it
first, as ``python -m`` puts it first on ``sys.path``) and the mirrors of those folders come first on
``PYTHONPATH``: ``import pkg.m`` and a capture's pickled ``pkg.m.Model`` both resolve to the copy.

The user's files are only read (``shutil.copy2`` reads content and metadata and writes only in the
copy); the scratch folder is removed when verify ends, also on Ctrl-C or SIGTERM (``with`` blocks).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

IGNORED = (".git", ".hg", ".svn", "__pycache__", "*.pyc", ".venv", "venv", "node_modules", ".mypy_cache",
           ".pytest_cache", ".tox")
META_SUFFIX = ".capture.json"


class Scratch:
    """One scratch folder: ``mirror(path)`` is where ``path`` lives in it."""

    def __init__(self, folder: Path):
        self.folder = folder

    def mirror(self, path: str | Path) -> Path:
        absolute = Path(os.path.abspath(path))
        return self.folder.joinpath(*absolute.parts[1:])

    def copy_tree(self, path: str | Path) -> None:
        """Copy a scanned file or folder (without VCS folders, caches and virtual environments)."""
        source = Path(os.path.abspath(path))
        dest = self.mirror(source)
        if source.is_dir():
            shutil.copytree(source, dest, symlinks=True, ignore=shutil.ignore_patterns(*IGNORED), dirs_exist_ok=True)
        elif source.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest)

    def write(self, original: str | Path, data: bytes) -> None:
        """Write ``data`` as the copy of ``original`` (the user's file stays as it is)."""
        dest = self.mirror(original)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_symlink():  # a link into the user's tree: replaced, never written through
            dest.unlink()
        dest.write_bytes(data)

    def copy_captures(self, folder: str | Path, trees: list[Path]) -> Path:
        """A copy of a captures folder (or one capture's metadata file) whose metadata points into the copy:
        a recorded ``__main__`` script inside a scanned tree is its copy, and the mirror of every recorded
        ``sys.path`` entry that holds (or lies in) a scanned tree comes first. Payloads are copied byte for
        byte (their SHA-256 is checked when they load)."""
        source = Path(os.path.abspath(folder))
        dest = self.mirror(source)
        if source.is_dir():
            shutil.copytree(source, dest, dirs_exist_ok=True)
            metas = sorted(dest.glob(f"*{META_SUFFIX}"))
        else:
            shutil.copytree(source.parent, dest.parent, dirs_exist_ok=True)
            metas = [dest]
        for meta_path in metas:
            meta = json.loads(meta_path.read_text())
            if meta.get("main_file") and inside(Path(meta["main_file"]), trees):
                meta["main_file"] = str(self.mirror(meta["main_file"]))
            entries = [meta.get("cwd")] + list(meta.get("sys_path", []))
            shadows = [str(self.mirror(e)) for e in entries if e and overlaps(Path(e), trees)]
            meta["sys_path"] = list(dict.fromkeys(shadows + list(meta.get("sys_path", []))))
            meta_path.write_text(json.dumps(meta, indent=2))
        return dest

    def shadow_path(self, entries: Iterable[str], trees: list[Path]) -> list[str]:
        """The mirrors of the import folders that hold (or lie in) a scanned tree."""
        return list(dict.fromkeys(str(self.mirror(e)) for e in entries if e and overlaps(Path(e), trees)
                                  and self.mirror(e).is_dir()))


def inside(path: Path, trees: list[Path]) -> bool:
    path = Path(os.path.abspath(path))
    return any(path == t or t in path.parents for t in trees)


def overlaps(folder: Path, trees: list[Path]) -> bool:
    """``folder`` holds a scanned tree or lies inside one."""
    folder = Path(os.path.abspath(folder))
    return any(folder == t or folder in t.parents or t in folder.parents for t in trees)


@contextlib.contextmanager
def scratch_folder() -> Iterator[Scratch]:
    folder = Path(tempfile.mkdtemp(prefix="migrate-verify-"))
    try:
        yield Scratch(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def environment(variables: dict[str, str], cwd: Path | None = None, path_first: list[str] = ()) -> Iterator[None]:
    """Set environment variables (and ``PYTHONPATH`` and ``sys.path`` entries first, and the working folder)
    for the convert workers started inside the block; everything is put back afterwards."""
    import sys

    saved = {k: os.environ.get(k) for k in [*variables, "PYTHONPATH"]}
    saved_cwd, saved_path = os.getcwd(), list(sys.path)
    try:
        os.environ.update(variables)
        sys.path[:0] = [str(p) for p in path_first if str(p) not in sys.path]  # for the targets files imported here
        if path_first:
            existing = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
            os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*map(str, path_first), *existing]))
        if cwd is not None:
            os.chdir(cwd)
        yield
    finally:
        sys.path[:] = saved_path
        os.chdir(saved_cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
