"""`migrate fix PATH... [--apply] [--unsafe]`: show (or write) the rewrites from TorchScript to torch.export.

Exit 0 nothing to change, 1 changes shown or made, 2 usage/configuration error or a rewrite that could
not be made (the rewritten file failed to compile, or could not be written).
"""

from __future__ import annotations

import argparse
import json
import sys

from migrate.cli_common import ProgressBar, add_selection_arguments, config_or_report

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_selection_arguments(parser)
    parser.add_argument("--apply", action="store_true", help="write the rewrites (default: only show them)")
    parser.add_argument("--unsafe", action="store_true",
                        help="also the rewrites that change behaviour or types and need a human look")
    parser.add_argument("--format", "-f", choices=("terminal", "json"), default="terminal")
    parser.add_argument("--diff", action="store_true", help="print only the unified diff (plain, for patch/git apply)")
    parser.add_argument("--no-color", action="store_true", help="never color the diff")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from migrate.fix.api import apply, suggest

    err = Console(stderr=True)
    loaded = config_or_report(args, err)
    if loaded is None:
        return EXIT_ERROR
    config, project = loaded
    with ProgressBar(err, "fixing") as progress:
        if args.apply:
            result = apply(args.paths, config, unsafe=args.unsafe, progress=progress)
        else:
            result = suggest(args.paths, config, unsafe=args.unsafe, progress=progress)

    if args.format == "json":
        sys.stdout.write(json.dumps(result.to_dict(), indent=2) + "\n")
    elif args.diff:
        sys.stdout.write("".join(f.diff for f in result.files))
    else:
        from migrate.fix.terminal import print_result

        console = Console(no_color=args.no_color or None, highlight=False)
        print_result(result, console, unsafe=args.unsafe)
    if any(e.blocking for e in result.errors):
        return EXIT_ERROR
    return EXIT_CHANGES if result.files else EXIT_OK
