"""``migrate cpp build`` and ``migrate cpp run ARCHIVE --inputs FILE``.

Exit codes: 0 success, 1 the build or the run failed (or was skipped: no cmake, no compiler),
2 usage error (also a missing archive, one the runner cannot load, or an unusable inputs file: one line).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="cpp_command", metavar="{build,run}")
    build = sub.add_parser("build", help="build both runners into the cache (reused until sources or torch change)")
    build.add_argument("--force", action="store_true", help="rebuild even when a cached build exists")
    build.add_argument("--cache-dir", type=Path, help="build cache root (default ~/.cache/torchscript-migrate/cpp-build)")
    build.add_argument("--jobs", type=int, help="parallel compile jobs (default: CPU count)")

    run = sub.add_parser("run", help="run one .pt (TorchScript) or .pt2 (AOTInductor) archive with its C++ runner")
    run.add_argument("archive", type=Path, help="a torch.jit.save archive (.pt) or an AOTInductor package (.pt2)")
    run.add_argument(
        "--inputs", required=True, type=Path,
        help="a tensor file (format: cpp_reference/README.md) or a tuple saved with torch.save",
    )  # fmt: skip
    run.add_argument("--outputs", type=Path, help="write the outputs to this tensor file")
    run.add_argument("--runner", choices=("torchscript", "aoti"), help="default: aoti for .pt2, else torchscript")
    run.add_argument("--threads", type=_positive, default=1, help="intra-op threads (default 1)")
    run.add_argument("--warmup", type=_non_negative, default=10, help="untimed runs first (default 10)")
    run.add_argument("--iters", type=_positive, default=100, help="timed runs (default 100)")
    run.add_argument("--seed", type=_non_negative, help="reseed torch's CPU generator before every call")
    run.add_argument("--timeout", type=float, default=300.0, help="seconds before the runner is stopped")
    run.add_argument("--cache-dir", type=Path, help="build cache root")
    run.add_argument("--json", action="store_true", help="print the result as one JSON object")
    parser.set_defaults(_parser=parser)


def run(args: argparse.Namespace) -> int:
    if args.cpp_command == "build":
        return _build(args)
    if args.cpp_command == "run":
        return _run(args)
    args._parser.print_help()
    return EXIT_USAGE


def _build(args) -> int:
    from migrate.cpp.build import build_runners

    print("building the C++ runners (first build takes about 30 s)...", file=sys.stderr)
    result = build_runners(cache_root=args.cache_dir, jobs=args.jobs, force=args.force, retry_failed=True)
    if not result.ok:
        print(f"error: C++ runners not built: {result.error}", file=sys.stderr)
        return EXIT_FAILED
    how = "cached build" if result.cached else f"built in {result.seconds:.1f} s"
    print(f"C++ runners ready ({how}) in {result.build_dir}")
    for name, path in result.runners.items():
        print(f"  {name:<12} {path}")
    return EXIT_OK


def _run(args) -> int:
    from migrate.cpp.build import build_runners
    from migrate.cpp.runner import mismatched_archive, run_archive, runner_for
    from migrate.cpp.tensor_file import TensorFileError, write_tensors

    runner = args.runner or runner_for(args.archive)
    if not args.archive.is_file():
        print(f"error: {args.archive}: no such archive", file=sys.stderr)
        return EXIT_USAGE
    if problem := mismatched_archive(args.archive, runner):
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        inputs = _load_inputs(args.inputs, runner)
    except InputsError as exc:
        print(f"error: {args.inputs}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    build = build_runners(cache_root=args.cache_dir)
    result = run_archive(
        args.archive, inputs, runner=runner, threads=args.threads, warmup=args.warmup, iters=args.iters,
        timeout_s=args.timeout, build=build, seed=args.seed,
    )  # fmt: skip
    if result.status == "ok" and args.outputs:
        try:
            write_tensors(args.outputs, result.outputs)
        except TensorFileError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_FAILED
    if args.json:
        print(json.dumps(result.to_json()))
    elif result.status == "ok":
        print(
            f"{result.runner} runner, {result.archive}: load {result.load_ms:.1f} ms, "
            f"median {result.median_ms * 1000:.1f} us (IQR {result.iqr_ms * 1000:.1f} us, {result.runs} runs, "
            f"{result.threads} thread{'s' if result.threads != 1 else ''})"
        )
        for i, t in enumerate(result.outputs):
            print(f"  output {i}: {str(t.dtype).removeprefix('torch.')}{list(t.shape)}")
    if result.status != "ok":
        print(f"error: {result.status} at {result.stage}: {result.error}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


class InputsError(Exception):
    """An inputs file that is neither a tensor file nor a torch.save'd tensor or tuple of tensors."""


def _load_inputs(path: Path, runner: str):
    """A tensor file is passed as it is; a torch.save'd tensor, tuple or list is flattened for the runner.

    Anything else (unreadable, not a torch.save file, a dict, objects the runners cannot take) is an
    InputsError with one line saying why: the runners take positional inputs only.
    """
    import torch

    from migrate.cpp.runner import runner_inputs
    from migrate.cpp.tensor_file import MAGIC

    try:
        with open(path, "rb") as f:
            if f.read(len(MAGIC)) == MAGIC:
                return path
    except OSError as exc:
        raise InputsError(f"cannot read inputs: {exc.strerror or exc}") from None
    try:
        values = torch.load(path, weights_only=True)
    except Exception as exc:  # torch.load raises UnpicklingError, RuntimeError, EOFError, ... on other files
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        reason = "not a tensor file, nor a torch.save file of tensors"
        if "Weights only load failed" in first:  # torch's long text: the file holds objects other than tensors
            raise InputsError(f"cannot read inputs: {reason} (it holds other objects)") from None
        raise InputsError(f"cannot read inputs: {reason} (torch.load: {first[:200]})") from None
    if isinstance(values, torch.Tensor):
        values = (values,)
    if not isinstance(values, (tuple, list)):
        raise InputsError(
            f"holds a {type(values).__name__}; the runners take positional inputs: save a tensor or a tuple "
            "of tensors (torch.save((x, h), path)) or write a tensor file"
        )
    try:
        return runner_inputs(values, runner)
    except TypeError as exc:
        raise InputsError(str(exc)) from None


def _positive(text: str) -> int:
    return _integer(text, 1)


def _non_negative(text: str) -> int:
    return _integer(text, 0)


def _integer(text: str, minimum: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < minimum:
        raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
    return value
