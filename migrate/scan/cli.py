"""`migrate scan PATH...`: report TorchScript constructs. Exit 0 clean, 1 findings at or above
--fail-on, 2 usage or configuration error.

`add_selection_arguments` and `scan_config_from_args` are shared with `migrate fix`.
"""

from __future__ import annotations

import argparse
import os
import sys

from migrate.config import ConfigError, load_config
from migrate.scan.catalogue import unknown_rule_patterns
from migrate.scan.model import SEVERITIES, ScanConfig

FORMATS = ("terminal", "json", "sarif", "markdown")


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or folders (default: .)")
    parser.add_argument("--select", type=_csv, help="rule ids or prefixes to report, comma-separated (e.g. TS1,TS201)")
    parser.add_argument("--ignore", type=_csv, help="rule ids or prefixes to leave out, comma-separated")
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="skip paths matching this gitignore-style glob (repeatable; adds to the config's)")
    parser.add_argument("--include", action="append", default=[], metavar="GLOB",
                        help="scan only paths matching this glob (repeatable; replaces the config's)")
    parser.add_argument("--no-respect-gitignore", dest="respect_gitignore", action="store_false", default=None,
                        help="also scan files that .gitignore excludes")
    parser.add_argument("--config", metavar="PYPROJECT", help="read [tool.migrate] from this file")
    parser.add_argument("--jobs", "-j", type=int, default=0, help="worker processes (default: CPU count)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    parser.add_argument("--cache-dir", help="cache folder (default: ~/.cache/torchscript-migrate/scan)")


def scan_config_from_args(args: argparse.Namespace) -> tuple[ScanConfig, object]:
    """ScanConfig from [tool.migrate] overridden by the command line. Raises ConfigError."""
    project = load_config(args.paths[0] if args.paths else ".", args.config)
    select = args.select if args.select is not None else project.get("select", ())
    ignore = args.ignore if args.ignore is not None else project.get("ignore", ())
    unknown = unknown_rule_patterns(tuple(select) + tuple(ignore))
    if unknown:
        raise ConfigError(f"unknown rule id or prefix: {', '.join(unknown)} (see `migrate rules`)")
    # Globs are relative to the folder of the pyproject.toml (else the scan root); finding paths to the root.
    respect = args.respect_gitignore if args.respect_gitignore is not None else project.get("respect-gitignore", True)
    config = ScanConfig(
        include=tuple(args.include) or project.get("include", ()),
        exclude=tuple(project.get("exclude", ())) + tuple(args.exclude),
        select=tuple(select), ignore=tuple(ignore), respect_gitignore=respect, jobs=args.jobs,
        cache_dir="" if args.no_cache else args.cache_dir,
        max_file_bytes=project.get("max-file-size", ScanConfig.max_file_bytes),
        base=os.path.dirname(os.path.abspath(project.path)) if project.path else None,
    )
    return config, project


def config_or_report(args: argparse.Namespace, err) -> tuple[ScanConfig, object] | None:
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


def scan_config_for(path: str) -> ScanConfig:
    """The ScanConfig `migrate scan PATH` uses with no options: [tool.migrate] of the nearest
    pyproject.toml applied (for callers such as `migrate report`). Raises ConfigError."""
    parser = argparse.ArgumentParser()
    add_selection_arguments(parser)
    return scan_config_from_args(parser.parse_args([path]))[0]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_selection_arguments(parser)
    parser.add_argument("--format", "-f", choices=FORMATS, default="terminal")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--fail-on", choices=(*SEVERITIES, "never"), default=None,
                        help="exit 1 when a finding has at least this severity (default: info, i.e. any)")
    parser.add_argument("--no-source", action="store_true", help="terminal: do not show source lines")
    parser.add_argument("--quiet", "-q", action="store_true", help="terminal: only the summary line")


def fails(findings, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    threshold = SEVERITIES.index(fail_on)
    return any(SEVERITIES.index(f.severity) >= threshold for f in findings)


class ProgressBar:
    """Progress for long work: a rich bar on stderr, shown only in a terminal and only once there are at
    least `min_total` items. Call it as `progress(done, total)`; use it as a context manager."""

    def __init__(self, console, label: str, min_total: int = 50) -> None:
        self.console, self.label, self.min_total = console, label, min_total
        self.bar = self.task = None

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total or not self.console.is_terminal:
            return
        if self.bar is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                                console=self.console, transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done)

    def __enter__(self) -> "ProgressBar":
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from migrate.scan import output
    from migrate.scan.batch import scan

    err = Console(stderr=True)
    loaded = config_or_report(args, err)
    if loaded is None:
        return 2
    config, project = loaded
    with ProgressBar(err, "scanning") as progress:
        result = scan(args.paths, config, progress=progress)

    fail_on = args.fail_on or project.get("fail-on", "info")
    if args.format == "terminal" and not args.output:
        console = Console()
        if args.quiet:
            s = result.summary()
            console.print(f"{s['findings']} findings in {s['files_with_findings']} of {s['files_scanned']} files; "
                          f"{s['files_failed']} could not be scanned", highlight=False)
        else:
            output.print_terminal(result, console, show_source=not args.no_source)
    else:
        renderers = {"json": output.to_json, "sarif": output.to_sarif, "markdown": output.to_markdown,
                     "terminal": _plain_terminal}
        text = renderers[args.format](result)
        if args.output:
            try:
                with open(args.output, "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as exc:
                err.print(f"[red]error:[/] cannot write {escape(args.output)}: {escape(str(exc.strerror or exc))}",
                          highlight=False, soft_wrap=True)
                return 2
            err.print(f"wrote {escape(args.output)}", highlight=False, soft_wrap=True)
        else:
            sys.stdout.write(text)
    return 1 if fails(result.findings, fail_on) else 0


def _plain_terminal(result) -> str:
    import io

    from rich.console import Console

    from migrate.scan import output

    buffer = io.StringIO()
    output.print_terminal(result, Console(file=buffer, width=120, no_color=True))
    return buffer.getvalue()
