"""``migrate verify PATH... --targets T``: apply the codemods in a scratch copy, convert the targets against
the original and the copy, and compare.

Exit codes: 0 nothing regressed, 1 a regression (eager outputs changed, an export strategy stopped
working, a route got worse), 2 usage error (bad paths, no targets, unknown strategy, unwritable output).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from migrate.cli_common import add_selection_arguments, comma_list, config_or_report

EXIT_OK, EXIT_REGRESSED, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from migrate.convert.supervisor import DEFAULT_TIMEOUT

    add_selection_arguments(parser)
    parser.add_argument("--targets", nargs="+", action="extend", default=[], metavar="T",
                        help="targets files or folders (@migrate.target) or folders of `migrate record` captures")
    parser.add_argument("--unsafe", action="store_true", help="also apply the unsafe rewrites (as migrate fix --unsafe)")
    parser.add_argument("--format", choices=("terminal", "json"), default="terminal")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of the terminal")
    parser.add_argument("--only", type=comma_list, metavar="A,B", help="verify only the targets with these names (patterns)")
    parser.add_argument("--strategies", type=comma_list, metavar="A,B", help="conversion strategies to run (default: all)")
    parser.add_argument("--skip", type=comma_list, metavar="A,B", default=[], help="conversion strategies to leave out (e.g. aoti)")
    parser.add_argument("--cpp", action="store_true", help="also run the C++ runner strategies")
    parser.add_argument("--threads", type=int, default=1, metavar="N", help="torch threads (default 1)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="S",
                        help=f"seconds per strategy and target (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--min-run-time", type=float, default=0.2, metavar="S", help="seconds of timing per strategy")
    parser.add_argument("--path", action="append", default=[], metavar="DIR",
                        help="a folder the targets import from (added to sys.path; its copy comes first for the rewritten run)")
    parser.add_argument("--no-bisect", action="store_true", help="do not look for the rewrite that caused a regression")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from migrate.cli_common import unwritable_file
    from migrate.convert.cli import Progress
    from migrate.verify.run import Options, UsageError, verify
    from migrate.verify.terminal import render, render_text

    err = Console(stderr=True)
    if args.paths == ["."] and not args.targets:
        print("migrate verify: name the tree to rewrite (PATH) and its targets (--targets)", file=sys.stderr)
        return EXIT_ERROR
    if args.threads < 1 or args.timeout <= 0:
        print("migrate verify: --threads must be >= 1 and --timeout > 0", file=sys.stderr)
        return EXIT_ERROR
    if args.output and (problem := unwritable_file(args.output)):
        print(f"migrate verify: --output {args.output}: {problem}", file=sys.stderr)
        return EXIT_ERROR
    loaded = config_or_report(args, err)
    if loaded is None:
        return EXIT_ERROR
    config, _ = loaded
    options = Options(unsafe=args.unsafe, strategies=args.strategies, skip=args.skip, only=args.only,
                      threads=args.threads, timeout=args.timeout, cpp=args.cpp, min_run_time=args.min_run_time,
                      import_paths=args.path, bisect=not args.no_bisect)
    progress = Progress(err) if err.is_terminal else None

    def on_event(event: dict) -> None:
        if event["event"] == "phase":
            err.print(f"verify: {event['phase']}", style="dim", highlight=False) if progress is None else None
        elif progress:
            progress.on_event(event)

    try:
        result = verify(args.paths, args.targets, options, config=config, on_event=on_event)
    except UsageError as exc:
        print(f"migrate verify: {exc}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if progress:
            progress.stop()
    if args.format == "json":
        output = json.dumps(result, indent=2) + "\n"
    elif args.output or not Console().is_terminal:
        output = render_text(result)
    else:
        output = None
    if args.output:
        try:
            Path(args.output).write_text(output)
        except OSError as exc:
            print(f"migrate verify: cannot write {args.output}: {exc.strerror or exc}", file=sys.stderr)
            return EXIT_ERROR
        print(f"wrote {args.output}", file=sys.stderr)
    elif output is not None:
        sys.stdout.write(output)
    else:
        Console().print(render(result))
    return EXIT_REGRESSED if result["regressions"] else EXIT_OK
