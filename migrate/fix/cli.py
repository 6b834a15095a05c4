"""`migrate fix PATH... [--apply] [--unsafe]`: show (or write) the rewrites from TorchScript to torch.export.

Exit 0 nothing to change, 1 changes shown or made, 2 usage/configuration error or a rewrite that could
not be made (the rewritten file failed to compile, or could not be written).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from rich.markup import escape

from migrate.config import ConfigError
from migrate.fix import cond
from migrate.scan.catalogue import load_rules
from migrate.scan.cli import ProgressBar, add_selection_arguments, scan_config_from_args

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_selection_arguments(parser)
    parser.add_argument("--apply", action="store_true", help="write the rewrites (default: only show them)")
    parser.add_argument("--unsafe", action="store_true",
                        help="also the rewrites that change behaviour or types and need a human look")
    parser.add_argument("--format", "-f", choices=("terminal", "json"), default="terminal")
    parser.add_argument("--diff", action="store_true", help="print only the unified diff (plain, for patch/git apply)")
    parser.add_argument("--no-color", action="store_true", help="never color the diff")


def _fix_only(pattern: str) -> bool:
    """A --select/--ignore pattern that names only the fix stage's own rule (TS601), not a catalogue rule."""
    return cond.RULE.startswith(pattern) and not any(r.id.startswith(pattern) for r in load_rules())


def _config(args):
    """The scan's config from the shared arguments; TS601 patterns are set aside for the catalogue check."""
    own = {}
    for name in ("select", "ignore"):
        patterns = getattr(args, name)
        own[name] = tuple(p for p in patterns or () if _fix_only(p))
        if own[name]:
            setattr(args, name, tuple(p for p in patterns if p not in own[name]))
    config, project = scan_config_from_args(args)
    config = dataclasses.replace(config, select=config.select + own["select"], ignore=config.ignore + own["ignore"])
    return config, project


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from migrate.fix.api import apply, suggest

    err = Console(stderr=True)
    try:
        config, project = _config(args)
    except ConfigError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return EXIT_ERROR
    for warning in project.warnings:
        err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing and len(missing) == len(args.paths):
        err.print(f"[red]error:[/] no such file or directory: {escape(', '.join(missing))}", highlight=False,
                  soft_wrap=True)
        return EXIT_ERROR

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
