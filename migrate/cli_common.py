"""What the commands' command lines share: the file-selection options of scan and fix, the one
comma-list type, the one progress bar, and configuration errors shown the same way everywhere.

The configuration itself is resolved in migrate/config.py (no argparse there); this module only maps
options to it.
"""

from __future__ import annotations

import argparse
import os
import time

from migrate.config import ConfigError, ProjectConfig, ScanConfig, resolve_scan_config


def comma_list(value: str) -> list[str]:
    """`A, B,,C` -> ["A", "B", "C"]: the type of every comma-separated option."""
    return [part.strip() for part in value.split(",") if part.strip()]


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    """PATH... and the options that pick files and rules (migrate scan, migrate fix)."""
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or folders (default: .)")
    parser.add_argument("--select", type=comma_list,
                        help="rule ids or prefixes to report, comma-separated (e.g. TS1,TS201)")
    parser.add_argument("--ignore", type=comma_list, help="rule ids or prefixes to leave out, comma-separated")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="skip paths matching this gitignore-style glob (repeatable; adds to the config's)")
    parser.add_argument("--include", action="append", default=[], metavar="GLOB",
                        help="scan only paths matching this glob (repeatable; replaces the config's)")
    parser.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false", default=None,
                        help="also scan files that .gitignore excludes")
    parser.add_argument("--force-exclude", action="store_true",
                        help="apply include/exclude to files named on the command line too (for pre-commit)")
    parser.add_argument("--config", metavar="PYPROJECT", help="read [tool.migrate] from this file")
    parser.add_argument("--jobs", "-j", type=int, default=0, help="worker processes (default: CPU count)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--cache-dir", help="cache folder (default: ~/.cache/torchscript-migrate/scan)")


def scan_config_from_args(args: argparse.Namespace) -> tuple[ScanConfig, ProjectConfig]:
    """The selection options as a ScanConfig ([tool.migrate] overridden by them). Raises ConfigError."""
    return resolve_scan_config(args.paths, config_file=args.config, select=args.select, ignore=args.ignore,
                               include=args.include, exclude=args.exclude, respect_gitignore=args.respect_gitignore,
                               jobs=args.jobs, cache=not args.no_cache, cache_dir=args.cache_dir,
                               force_exclude=args.force_exclude)


def config_or_report(args: argparse.Namespace, err) -> tuple[ScanConfig, ProjectConfig] | None:
    """`scan_config_from_args` for a command: configuration warnings printed on `err`; None (after an
    error message) on a configuration error or when none of the paths exists."""
    from rich.markup import escape

    try:
        config, project = scan_config_from_args(args)
    except ConfigError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return None
    for warning in project.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing and len(missing) == len(args.paths):
        err.print(f"[red]error:[/] no such file or directory: {escape(', '.join(missing))}", highlight=False,
                  soft_wrap=True)
        return None
    return config, project


class ProgressBar:
    """Progress for long work: a rich bar on stderr, shown only in a terminal and only once there are at
    least `min_total` items. Call it as `progress(done, total)` (optionally with what is being done now);
    use it as a context manager, or call `stop()`.

    It shows the count, the time so far, an estimate of the time left, and what is being done now with
    its own elapsed time, which goes on counting while one long step (a 40 s AOTInductor compile) runs."""

    def __init__(self, console, label: str, min_total: int = 50) -> None:
        self.console, self.label, self.min_total = console, label, min_total
        self.bar = self.task = None
        self._step: str | None = None

    def __call__(self, done: int, total: int, description: str | None = None) -> None:
        if total < self.min_total or not self.console.is_terminal:
            return
        if self.bar is None:
            from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                       TimeRemainingColumn)

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TimeElapsedColumn(), TextColumn("eta", style="dim"), TimeRemainingColumn(),
                                _step_elapsed(), console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total, step_started=None)
        fields = {}
        if description and description != self._step:  # a new step: its own clock starts
            self._step = description
            fields["step_started"] = time.monotonic()
        self.bar.update(self.task, completed=done, total=total, description=description or self.label, **fields)

    @property
    def tasks(self) -> list:
        """rich's tasks of the bar (none before it is shown)."""
        return self.bar.tasks if self.bar is not None else []

    def stop(self) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _step_elapsed():
    """A rich column: how long the current step has run (rich is imported only when a bar is shown)."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    class StepElapsed(ProgressColumn):
        def render(self, task) -> Text:
            started = task.fields.get("step_started")
            if started is None or task.finished:
                return Text("")
            seconds = int(time.monotonic() - started)
            return Text(f"this step {seconds // 60}:{seconds % 60:02d}", style="dim")

    return StepElapsed()


def unwritable_folder(path: str) -> str | None:
    """Why an output folder cannot be written (None: it can; it is created when missing). Checked before
    the work starts, so that minutes of work are not lost at the end."""
    import tempfile

    if os.path.exists(path) and not os.path.isdir(path):
        return "exists and is not a folder"
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return f"cannot write there: {exc.strerror or exc}"
    return None


def unwritable_file(path: str) -> str | None:
    """Why an output file cannot be written (None: it can). Nothing is created or truncated."""
    import tempfile

    if os.path.isdir(path):
        return "is a folder"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"its folder {folder} does not exist"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "is not writable"
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"cannot write in {folder}: {exc.strerror or exc}"
    return None
