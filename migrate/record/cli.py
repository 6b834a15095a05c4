"""``migrate record --out DIR -- CMD ...``: run CMD, capturing every TorchScript call as a conversion target."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from migrate.record import DEFAULT_MAX_BYTES, DEFAULT_MAX_CALLS, DEFAULT_MAX_TOTAL_BYTES

EPILOG = """\
Runs CMD unchanged (arguments, working folder, environment, stdin/stdout); the exit code is CMD's
(128+N when a signal N killed it, 127 when CMD is not found, 2 for a usage error of record itself).
In CMD and in every Python process it starts (pytest and its xdist workers, subprocess calls of
python), torch.jit.script, trace, trace_module, save, freeze and load are intercepted; they still
return exactly what torch returns. Each call becomes a capture in DIR: the eager module as it was at
the call, the inputs of its first calls (--max-calls), the call site and the pytest test id.
Convert them with `migrate convert DIR`.

WARNING: captures are pickles. Loading one (migrate convert) runs code, as importing a targets file
does: convert only captures you recorded yourself.

Not intercepted: Python started with -I or -E (PYTHONPATH ignored) and programs that are not Python.
"""

SIZE = re.compile(r"^(\d+(?:\.\d+)?)([kKmMgG]?)[bB]?$")


def size(text: str) -> int:
    """``200M``, ``1G``, ``5000`` -> bytes."""
    match = SIZE.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 200M, 1G, 5000)")
    factor = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--out", "-o", required=True, metavar="DIR", help="folder the captures are written to")
    parser.add_argument("--max-calls", type=int, default=DEFAULT_MAX_CALLS, metavar="N",
                        help=f"calls recorded per capture: the example plus N-1 check inputs (default {DEFAULT_MAX_CALLS})")
    parser.add_argument("--max-bytes", type=size, default=DEFAULT_MAX_BYTES, metavar="SIZE",
                        help="payload per capture; over it only the metadata is kept, with the reason (default 100M)")
    parser.add_argument("--max-total-bytes", type=size, default=DEFAULT_MAX_TOTAL_BYTES, metavar="SIZE",
                        help="all captures in DIR together (default 500M)")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- CMD ...", help="the command to run")


def run(args: argparse.Namespace) -> int:
    from migrate.record import record

    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        print("migrate record: give the command to run after --, e.g. migrate record --out captures -- pytest tests",
              file=sys.stderr)
        return 2
    if args.max_calls < 1:
        print("migrate record: --max-calls must be >= 1", file=sys.stderr)
        return 2
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"migrate record: --out {out} is not a folder", file=sys.stderr)
        return 2
    before = set(out.glob("*.capture.json")) if out.is_dir() else set()
    code = record(command, out, args.max_calls, args.max_bytes, args.max_total_bytes)
    after = set(out.glob("*.capture.json")) if out.is_dir() else set()
    print(f"migrate record: {len(after - before)} new capture(s), {len(after)} in {out}; "
          f"convert them with: migrate convert {out}", file=sys.stderr)
    return code
