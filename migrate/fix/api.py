"""`suggest` and `apply`: the fix stage over files and folders (discovery as for `migrate scan`).

The scanner (with its byte and statement pre-filters, cache and workers) finds the files that hold a
finding; each of those is read, parsed in full and rewritten in memory by the pure core
(engine.fix_source), checked, and, for `apply`, written back atomically, in parallel workers when
there are many.
"""

from __future__ import annotations

import dataclasses
import difflib
import os

from migrate.fix.rewrites import finders
from migrate.fix.transform import fix_source
from migrate.fix.writeback import DecodeError, WriteError, read_source, write_atomic
from migrate.fix.model import FileError, FileFix, FixResult, ManualItem
from migrate.scan.catalogue import select_rules
from migrate.scan.batch import scan
from migrate.scan.discover import language_of, scan_root
from migrate.scan.model import ScanConfig
from migrate.workers import Progress, map_in_workers



def enabled_rules(config: ScanConfig) -> frozenset[str]:
    """Rules selected as for `migrate scan` (the fix stage's own rules, such as TS601, are catalogue rules too)."""
    return select_rules(config.select, config.ignore)


def unified_diff(path: str, old: str, new: str) -> str:
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), f"a/{path}", f"b/{path}", lineterm="")
    return "\n".join(lines) + "\n"


def _process(path: str, relpath: str, enabled, unsafe: bool, write: bool):
    """Runs in a worker: (FileFix | None, manual items, FileError | None) for one Python file with findings."""
    try:
        source = read_source(path)
    except OSError as exc:
        reason = "permission denied" if isinstance(exc, PermissionError) else (exc.strerror or str(exc))
        return None, [], FileError(relpath, reason)
    except DecodeError as exc:
        return None, [], FileError(relpath, str(exc))
    try:
        outcome = fix_source(source.text, relpath, enabled, unsafe)
    except RecursionError:
        return None, [], FileError(relpath, "nested too deeply to rewrite (RecursionError)")
    except Exception as exc:  # a bug of ours must not end the run: report it against the file
        return None, [], FileError(relpath, f"internal error while rewriting: {type(exc).__name__}: {exc}")
    error = FileError(relpath, outcome.error, blocking=outcome.rejected) if outcome.error else None
    if outcome.new_text is None:
        return None, list(outcome.manual), error
    fix = FileFix(relpath, unified_diff(relpath, source.text, outcome.new_text), outcome.rewrites, outcome.new_text)
    if write:
        try:
            write_atomic(source, outcome.new_text)
        except WriteError as exc:
            return None, list(outcome.manual), FileError(relpath, str(exc), blocking=True)
    return fix, list(outcome.manual), error


def _crashed(path: str, relpath: str, enabled, unsafe: bool, write: bool):
    return None, [], FileError(relpath, "the parser crashed or ran too long on this file (code nested too deeply?)")


def _fix(paths, config: ScanConfig | None, unsafe: bool, write: bool, root: str | None,
         progress: Progress | None) -> FixResult:
    """The scan (discovery, pre-filters, cache, parallel workers, selection) picks the files with
    findings; only those are parsed in full and rewritten."""
    config = config or ScanConfig()
    paths = [str(p) for p in paths]
    root = os.path.abspath(root) if root else scan_root(paths)
    enabled = enabled_rules(config)
    # Every rule is scanned: the fix stage's own rules (TS601, torch.cond) apply to files with any finding.
    found = scan(paths, dataclasses.replace(config, select=(), ignore=()), root=root)
    errors = [FileError(e.path, e.reason) for e in found.errors]
    manual = [ManualItem(f.path, f.line, f.column, f.rule, f.api, f.recipe, "no automatic rewrite for C++")
              for f in found.findings if language_of(f.path) == "cpp" and f.rule in enabled]
    own_rules = enabled & set(finders())
    wanted = [f for f in found.findings if language_of(f.path) != "cpp"
              and (f.rule in enabled or own_rules)]
    python = sorted({f.path for f in wanted})
    work = [(os.path.join(root, relpath), relpath, enabled, unsafe, write) for relpath in python]
    fixes = []
    results = map_in_workers(_process, work, config.jobs or os.cpu_count() or 1, on_crash=_crashed,
                             progress=progress)
    for fix, items, error in results:
        if fix is not None:
            fixes.append(fix)
        manual.extend(items)
        if error is not None:
            errors.append(error)
    return FixResult(root=root, files=tuple(sorted(fixes, key=lambda f: f.path)),
                     manual=tuple(sorted(manual, key=lambda m: (m.path, m.line, m.column, m.rule))),
                     errors=tuple(sorted(errors, key=lambda e: e.path)), applied=write,
                     files_scanned=found.files_scanned)


def suggest(paths, config: ScanConfig | None = None, unsafe: bool = True, *, root: str | None = None,
            progress: Progress | None = None) -> FixResult:
    """Every rewrite as a diff; nothing is written. `unsafe=False` leaves unsafe rewrites to `manual`."""
    return _fix(paths, config, unsafe, False, root, progress)


def apply(paths, config: ScanConfig | None = None, unsafe: bool = False, *, root: str | None = None,
          progress: Progress | None = None) -> FixResult:
    """Write the safe rewrites (and the unsafe ones with `unsafe=True`); returns what was written."""
    return _fix(paths, config, unsafe, True, root, progress)
