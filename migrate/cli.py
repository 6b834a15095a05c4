"""Command line entry point: ``migrate <command> ...`` (also ``python -m migrate``).

Each stage owns its sub-command in ``migrate/<stage>/cli.py``, which defines
``add_arguments(parser)`` and ``run(args) -> int``. They are imported lazily so that
``migrate scan`` never imports torch.

Exit codes everywhere: 0 clean, 1 findings / changes / failures found, 2 usage or internal error;
130 interrupted (Ctrl-C) and 143 terminated (SIGTERM), after worker processes were stopped.
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys
import threading

from migrate import __version__

# command name -> (module, one-line help)
COMMANDS = {
    "scan": ("migrate.scan.cli", "find TorchScript constructs in Python and C++ sources"),
    "fix": ("migrate.fix.cli", "show (or apply) codemods that rewrite TorchScript to torch.export"),
    "rules": ("migrate.scan.rules_cli", "list the rule catalogue"),
    "record": ("migrate.record.cli", "run a command, capturing its TorchScript calls as conversion targets"),
    "convert": ("migrate.convert.cli", "convert targets with every strategy and compare outputs and latency"),
    "cpp": ("migrate.cpp.cli", "build and run the LibTorch C++ reference runners"),
    "verify": ("migrate.verify.cli", "apply the codemods in a scratch copy, convert the targets before and after, compare"),
    "report": ("migrate.report.cli", "write the side-by-side migration report (HTML, Markdown, JSON)"),
}

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def build_parser(argv: list[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="migrate",
        description="Migrate PyTorch code and models from TorchScript to torch.export.",
    )
    parser.add_argument("--version", action="version", version=f"torchscript-migrate {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Only the module of the command being run is imported (keeps `scan` torch-free and fast).
    wanted = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if name == wanted:
            module = importlib.import_module(module_name)
            module.add_arguments(p)
            p.set_defaults(_run=module.run)
    return parser


class Terminated(SystemExit):
    """SIGTERM, raised in the main thread so that the run unwinds like Ctrl-C."""


def _raise_terminated(signum, frame) -> None:
    raise Terminated(128 + signum)


def _stopped(code: int, own_process: bool) -> int:
    """After an interrupt has unwound (workers stopped, temp files removed): the command itself ends now,
    skipping the interpreter's teardown, where concurrent.futures' exit hook can print a traceback
    about a pipe its stopped pool already closed; atexit handlers (the convert workers) still run."""
    if not own_process:
        return code
    import atexit

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    own_process = argv is None  # the command itself, not a test calling main(argv)
    if own_process and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not getattr(args, "_run", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args._run(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return _stopped(130, own_process)
    except Terminated as exc:
        print("terminated", file=sys.stderr)
        return _stopped(int(exc.code), own_process)
