"""``migrate report``: scan, suggest codemods, convert, and write one report folder.

Exit codes: 0 no findings and every target exports cleanly; 1 findings or targets that do not
(``--exit-zero`` turns this into 0, for CI jobs that only publish the report); 2 usage error, or
nothing could be reported, or the report could not be written.
"""

from __future__ import annotations

import argparse
import os

from migrate.cli_common import comma_list

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", help="folder (or file) to scan and to compute codemods for")
    parser.add_argument("--targets", nargs="+", action="extend", default=[], metavar="FILE",
                        help="targets files or folders (@migrate.target) or TorchScript .pt archives to convert")
    parser.add_argument("--out", metavar="DIR",
                        help="report folder (default: reports/<name of PATH>); gets index.html, report.md, report.json")
    parser.add_argument("--scan-json", metavar="FILE", help="use this `migrate scan --format json` output instead of scanning")
    parser.add_argument("--fix-json", metavar="FILE", help="use this `migrate fix --format json` output instead of running the codemods")
    parser.add_argument("--convert-json", metavar="FILE", help="use this `migrate convert --format json` output instead of converting")
    parser.add_argument("--no-fix", action="store_true", help="do not compute codemod suggestions (the catalogue's fixable field is used)")
    parser.add_argument("--only", type=comma_list, metavar="A,B",
                        help="convert only the targets with these names (shell patterns, e.g. 'My*')")
    parser.add_argument("--strategies", type=comma_list, metavar="A,B", help="conversion strategies to run (default: all)")
    parser.add_argument("--skip", type=comma_list, metavar="A,B", help="conversion strategies to leave out")
    parser.add_argument("--threads", type=int, metavar="N", help="threads for latency measurement (converter default: 1)")
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds per target before it is stopped (converter default)")
    parser.add_argument("--jobs", "-j", type=int, metavar="N",
                        help="targets converted at once (converter default: the number of cores / --threads)")
    parser.add_argument("--cpp", action="store_true", help="also run the C++ runners (cpp.torchscript, cpp.aoti)")
    parser.add_argument("--example-inputs", metavar="FILE", help="inputs for a .pt archive target (a tuple saved with torch.save)")
    parser.add_argument("--verify", action="store_true",
                        help="run `migrate verify` on PATH and --targets: each target's route before and after the "
                             "codemods (applied in a scratch copy) and the verified diff")
    parser.add_argument("--unsafe", action="store_true", help="with --verify: apply the unsafe rewrites too")
    parser.add_argument("--title", default="", help="report title")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings or failures")


def _error(console, message: str) -> None:
    console.print(f"migrate report: {message}", soft_wrap=True, highlight=False, markup=False)


def default_out(path: str | None) -> str:
    name = os.path.basename(os.path.normpath(os.path.abspath(path))) if path else "report"
    return os.path.join("reports", name or "report")


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from migrate.report import InputError, Request, build, write
    from migrate.report.model import CLEAN
    from migrate.report.terminal import print_summary

    err = Console(stderr=True)
    if not (args.path or args.targets or args.scan_json or args.fix_json or args.convert_json):
        _error(err, "give a PATH to scan, --targets to convert, or --scan-json/--fix-json/--convert-json")
        return EXIT_ERROR
    if args.path and not os.path.exists(args.path):
        _error(err, f"{args.path}: no such file or folder")
        return EXIT_ERROR
    if args.verify and not (args.path and args.targets) or args.unsafe and not args.verify:
        _error(err, "--verify needs a PATH and --targets (and --unsafe needs --verify)")
        return EXIT_ERROR
    out = args.out or default_out(args.path or (args.targets[0] if args.targets else None))
    from migrate.cli_common import unwritable_folder

    problem = unwritable_folder(out)
    if problem:  # found before minutes of scanning and converting, not after
        _error(err, f"--out {out}: {problem}")
        return EXIT_ERROR
    request = Request(
        path=args.path, targets=list(args.targets), scan_json=args.scan_json, fix_json=args.fix_json,
        convert_json=args.convert_json, run_fix=not args.no_fix, strategies=args.strategies, skip=args.skip,
        threads=args.threads, timeout=args.timeout, cpp=args.cpp, example_inputs=args.example_inputs,
        only=args.only, jobs=args.jobs,
        verify=args.verify, unsafe=args.unsafe,
    )
    try:
        progress = lambda m: err.print(m, style="dim", highlight=False, markup=False, soft_wrap=True)  # noqa: E731
        report = build(request, title=args.title, progress=progress)
    except InputError as exc:
        _error(err, str(exc))
        return EXIT_ERROR
    except Exception as exc:  # the stages' own errors are already warnings; this is a bug in the report
        _error(err, f"internal error: {type(exc).__name__}: {exc}")
        return EXIT_ERROR
    try:
        written = write(report, out)
    except Exception as exc:
        _error(err, f"cannot write the report to {out}: {type(exc).__name__}: {exc}")
        return EXIT_ERROR
    print_summary(report, written, Console())
    inputs = report.inputs
    if inputs.scan is None and inputs.fix is None and inputs.convert is None:
        return EXIT_ERROR
    clean = report.summary.findings == 0 and all(t.verdict == CLEAN for t in report.targets)
    return EXIT_OK if clean or args.exit_zero else EXIT_FINDINGS
