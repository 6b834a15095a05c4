"""`migrate scan PATH...`: report TorchScript constructs. Exit 0 clean, 1 findings at or above
--fail-on, 2 usage or configuration error.

The file and rule selection options are migrate/cli_common.py's, shared with `migrate fix`.
"""

from __future__ import annotations

import argparse
import sys

from migrate.cli_common import ProgressBar, add_selection_arguments, config_or_report
from migrate.scan.model import SEVERITIES

FORMATS = ("terminal", "json", "sarif", "markdown", "github", "junit")


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


def run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape

    from migrate.scan import ci_formats, output
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
                     "github": ci_formats.to_github, "junit": ci_formats.to_junit, "terminal": _plain_terminal}
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
