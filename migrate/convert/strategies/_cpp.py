"""What the ``cpp.torchscript`` and ``cpp.aoti`` strategies of ``migrate convert --cpp`` share (not a
strategy: files starting with ``_`` are skipped by discovery).

A C++ strategy takes an artifact an earlier strategy saved (a ``.pt`` archive or a ``.pt2`` package),
times it in the C++ runner on the example inputs (the runner's own median and IQR become the
strategy's latency), and returns a ``run`` callable that the harness checks against eager on every
input: each call starts the runner on that input and reads its outputs back.
"""

from __future__ import annotations

from migrate.convert.strategies.base import Context, Converted, Latency, SkipStrategy

# Checks run the program three times and keep the last outputs: TorchScript's profiling executor
# optimises the graph after the first runs, and the optimised graph is what a service runs.
CHECK_WARMUP, CHECK_ITERS = 2, 1
LATENCY_WARMUP, LATENCY_ITERS = 10, 100
RUN_TIMEOUT_S = 120.0


class CppRunnerError(RuntimeError):
    """The C++ runner could not load or run the program; the message says where and why."""


def require_same_constants(args: tuple, example: tuple) -> None:
    """An AOTInductor package takes tensors only: its non-tensor arguments were fixed at export.

    A service calling it cannot pass another value, so a check input whose non-tensor leaves differ
    from the example's is an error here, not a silent run with the exported value.
    """
    import torch
    from torch.utils._pytree import tree_leaves

    given, fixed = tree_leaves(args), tree_leaves(example)
    for i, (value, exported) in enumerate(zip(given, fixed)):
        if not isinstance(exported, torch.Tensor) and value != exported:
            raise CppRunnerError(
                f"input leaf {i} is {value!r}, but the package was exported with {exported!r}: an AOTInductor "
                "package takes tensors only and keeps non-tensor arguments as exported"
            )


def convert_with_runner(ctx: Context, runner: str, source: str) -> Converted:
    """Time ``ctx.artifact(source)`` in the ``runner`` on the example and return a checkable program."""
    from migrate.cpp.build import build_runners
    from migrate.cpp.runner import run_archive, runner_inputs

    archive = ctx.artifact(source)
    if ctx.kwargs:
        raise SkipStrategy("the C++ runners take positional inputs only; this target has keyword inputs")
    build = build_runners()
    if not build.ok:
        raise SkipStrategy(f"C++ runners unavailable: {build.error}")

    def run_once(args: tuple, warmup: int, iters: int, check_inputs: bool = True, seed: int | None = None):
        result = run_archive(
            archive, runner_inputs(args, runner), runner=runner, threads=ctx.threads, warmup=warmup,
            iters=iters, timeout_s=RUN_TIMEOUT_S, build=build, check_inputs=check_inputs, seed=seed,
        )  # fmt: skip
        if result.status != "ok":
            raise CppRunnerError(f"{runner} runner {result.status} at {result.stage}: {result.error}")
        return result

    # Timed on the example the program was made from, so the AOTInductor package's per-call input
    # checks are off here (as in Python's aoti_load_package); every check run keeps them on.
    timed = run_once(tuple(ctx.inputs), LATENCY_WARMUP, LATENCY_ITERS, check_inputs=False)

    def run(*args, **kwargs):
        import torch

        if kwargs:
            raise CppRunnerError("the C++ runners take positional inputs only")
        if runner == "aoti":
            require_same_constants(args, tuple(ctx.inputs))
        # The runner reseeds with the seed Python was last seeded with before each call, so a model
        # that samples draws in C++ what it draws in Python right after torch.manual_seed.
        return run_once(args, CHECK_WARMUP, CHECK_ITERS, seed=torch.initial_seed()).outputs

    return Converted(
        run=run,
        artifact=archive,
        latency=Latency(median=timed.median_ms, iqr=timed.iqr_ms, runs=timed.runs),
        notes=(f"runs {source}'s {'package' if runner == 'aoti' else 'archive'}; C++ load {timed.load_ms:.1f} ms",),
    )
