"""Which files a scan reads: walking paths with .gitignore, include/exclude globs and symlinks.

Every file is yielded once, however many links lead to it, under its real path when the scan reaches
it there too (the file the user edits, not the link); links to directories are followed, but a
directory already being walked (a symlink loop) is not entered again. Dangling links, unreadable
directories and paths that do not exist become errors naming the path and the reason.
"""

from __future__ import annotations

import os
import stat as stat_mod
from dataclasses import dataclass, replace

import pathspec

from migrate.scan.model import FileError

PYTHON_SUFFIXES = (".py",)
CPP_SUFFIXES = (".cpp", ".cc", ".cxx", ".c++", ".h", ".hh", ".hpp", ".hxx", ".cu", ".cuh")
# Never worth scanning when met while walking (an explicitly named path is always scanned).
DEFAULT_EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", ".tox", ".nox", ".venv", "venv", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", "__pycache__", "node_modules", "__pypackages__", ".eggs", ".migrate_cache",
})


@dataclass(frozen=True)
class SourceFile:
    path: str  # as the OS can open it
    relpath: str  # relative to the scan root, forward slashes
    language: str  # python | cpp
    size: int
    mtime_ns: int
    also: tuple[str, ...] = ()  # other paths (through links) the walk reached the same file by


def language_of(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(PYTHON_SUFFIXES):
        return "python"
    if lower.endswith(CPP_SUFFIXES):
        return "cpp"
    return None


def _spec(patterns) -> pathspec.PathSpec | None:
    patterns = [p for p in patterns if p]
    return pathspec.GitIgnoreSpec.from_lines(patterns) if patterns else None


def _read_gitignore(directory: str) -> pathspec.PathSpec | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines) if lines else None


def relative_to(path: str, root: str) -> str:
    rel = os.path.relpath(path, root) if root else path
    return rel.replace(os.sep, "/")


class Walker:
    def __init__(self, root: str, include=(), exclude=(), respect_gitignore: bool = True,
                 base: str | None = None, force_exclude: bool = False) -> None:
        self.root = root
        self.force_exclude = force_exclude
        self.base = base or root
        self.include = _spec(include)
        self.exclude = _spec(exclude)
        self.respect_gitignore = respect_gitignore
        self.files: list[SourceFile] = []
        self.errors: list[FileError] = []
        self._seen_files: dict[tuple[int, int], int] = {}  # (device, inode) -> index in self.files

    def _rel(self, path: str) -> str:
        return relative_to(path, self.root)

    def _excluded(self, path: str, is_dir: bool) -> bool:
        if not self.exclude:
            return False
        rel = relative_to(path, self.base)
        return bool(self.exclude.match_file(rel + "/" if is_dir else rel))

    def _included(self, path: str) -> bool:
        return not self.include or bool(self.include.match_file(relative_to(path, self.base)))

    def add_path(self, path: str) -> None:
        """A path named on the command line: a file (scanned whatever its name matches, unless
        `force_exclude` applies include/exclude to it) or a folder."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            reason = "broken symbolic link" if os.path.islink(path) else "no such file or directory"
            self.errors.append(FileError(self._rel(path), reason))
            return
        except OSError as exc:
            self.errors.append(FileError(self._rel(path), exc.strerror or str(exc)))
            return
        if stat_mod.S_ISDIR(st.st_mode):
            self._walk(path, self._ancestor_ignores(path), {(st.st_dev, st.st_ino)})
        elif stat_mod.S_ISREG(st.st_mode):
            if self.force_exclude and (not self._included(path) or self._excluded(path, False)):
                return
            self._add_file(path, st, language_of(path) or "python")
        else:
            self.errors.append(FileError(self._rel(path), "not a regular file"))

    def _ancestor_ignores(self, directory: str) -> list:
        """.gitignore files of the folders above `directory`, up to the repository's top (a `.git`)."""
        if not self.respect_gitignore or os.path.exists(os.path.join(directory, ".git")):
            return []
        found = []
        current = os.path.dirname(os.path.abspath(directory))
        while True:
            spec = _read_gitignore(current)
            if spec is not None:
                found.append((current, spec))
            if os.path.exists(os.path.join(current, ".git")) or os.path.dirname(current) == current:
                break
            current = os.path.dirname(current)
        if not os.path.exists(os.path.join(current, ".git")):
            return []  # not inside a repository: ignore files outside the scanned folder do not apply
        found = found[::-1]
        if self._ignored(directory, True, found):
            return []  # the user named an ignored folder on purpose: scan it
        return found

    def _add_file(self, path: str, st: os.stat_result, language: str) -> None:
        key = (st.st_dev, st.st_ino)
        source = SourceFile(path, self._rel(path), language, st.st_size, st.st_mtime_ns)
        if key not in self._seen_files:
            self._seen_files[key] = len(self.files)
            self.files.append(source)
            return
        index = self._seen_files[key]
        first = self.files[index]
        if _is_real(path) and not _is_real(first.path):  # first reached through a link: report the real file
            self.files[index] = replace(source, also=(*first.also, first.relpath))
        elif source.relpath != first.relpath and source.relpath not in first.also:
            self.files[index] = replace(first, also=(*first.also, source.relpath))

    def _ignored(self, path: str, is_dir: bool, ignores: list) -> bool:
        for base, spec in ignores:
            rel = os.path.relpath(path, base).replace(os.sep, "/")
            if spec.match_file(rel + "/" if is_dir else rel):
                return True
        return False

    def _walk(self, directory: str, ignores: list, active: set) -> None:
        if self.respect_gitignore:
            spec = _read_gitignore(directory)
            if spec is not None:
                ignores = [*ignores, (directory, spec)]
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            self.errors.append(FileError(self._rel(directory), f"cannot list directory: {exc.strerror or exc}"))
            return
        for entry in entries:
            path = entry.path
            try:
                st = os.stat(path)  # follows links
            except FileNotFoundError:
                if entry.is_symlink() and language_of(entry.name) is not None:
                    self.errors.append(FileError(self._rel(path), "broken symbolic link"))
                continue
            except OSError as exc:
                if language_of(entry.name) is not None or entry.is_dir(follow_symlinks=False):
                    self.errors.append(FileError(self._rel(path), exc.strerror or str(exc)))
                continue
            if stat_mod.S_ISDIR(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if entry.name in DEFAULT_EXCLUDED_DIRS or key in active:
                    continue  # a loop of links comes back to a folder being walked
                if self._excluded(path, True) or (ignores and self._ignored(path, True, ignores)):
                    continue
                self._walk(path, ignores, active | {key})
            elif stat_mod.S_ISREG(st.st_mode):
                language = language_of(entry.name)
                if language is None:
                    continue
                if not self._included(path) or self._excluded(path, False) or (ignores and self._ignored(path, False, ignores)):
                    continue
                self._add_file(path, st, language)


def _is_real(path: str) -> bool:
    """No symbolic link on the way to ``path``: it is the file itself."""
    return os.path.realpath(path) == os.path.abspath(path)


def scan_root(paths: list[str]) -> str:
    """The folder that finding paths are relative to: the one folder scanned, else the current one."""
    if len(paths) == 1 and os.path.isdir(paths[0]):
        return os.path.abspath(paths[0])
    return os.path.abspath(os.getcwd())


def discover(paths: list[str], root: str, include=(), exclude=(), respect_gitignore=True, base=None,
             force_exclude=False):
    walker = Walker(root, include, exclude, respect_gitignore, base, force_exclude)
    for path in paths:
        walker.add_path(os.path.abspath(path))
    return walker.files, walker.errors
