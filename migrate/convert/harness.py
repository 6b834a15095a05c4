"""Run one strategy on one target, in this process: convert, check against the reference, time.

The worker process calls this for each strategy; nothing here knows about subprocesses. Every
strategy gets a fresh copy of the module and inputs, runs under ``torch.no_grad()`` with a fixed
seed, and its exceptions become a ``failed`` result with a classified cause.
"""

from __future__ import annotations

import copy
import math
import time
import traceback
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from migrate.convert import side_by_side
from migrate.convert.causes import classify, failure_source_line, hint_for, message_excerpt, summary_line
from migrate.convert.compare import InputSet, compare, input_sets, same_shapes
from migrate.convert.results import Check, StrategyResult
from migrate.convert.strategies.base import Context, Latency, SkipStrategy, Strategy, fresh_target
from migrate.convert.targets import Target, first_line

SEED = 0


@dataclass(frozen=True)
class Reference:
    """The reference outputs for every input set (input sets on which the reference raised are gone)."""

    sets: tuple[InputSet, ...]
    outputs: tuple
    strategy: str = "eager"
    spreads: tuple[float, ...] = ()  # per set: how far a second run of the reference differs (0: deterministic)
    notes: tuple[str, ...] = ()  # e.g. the reference disagrees with itself

    def spread(self, index: int) -> float:
        return self.spreads[index] if index < len(self.spreads) else 0.0


def call(run, args: tuple, kwargs: dict, seed: int = SEED):
    """One seeded call on a copy of the inputs (a program may mutate them)."""
    import torch

    torch.manual_seed(seed)
    with torch.no_grad():
        return run(*copy.deepcopy(args), **copy.deepcopy(kwargs))


def build_reference(run, target: Target, strategy: str = "eager") -> Reference:
    """Run the reference on every input set, three times; generated sets it cannot run are dropped.

    A user's check input the reference cannot run is an error in the targets file: it raises.
    A second run with the same seed that differs (uninitialised memory, nondeterministic kernels)
    makes the reference say so, and every check on that input allows that spread. A third run
    with another seed that differs (dropout, sampling) is only noted: every check uses the same
    seed, so a program that ignores a flag or a branch is still caught.
    """
    kwargs = dict(target.kwargs or {})
    sets, outputs, spreads, unstable, seeded = [], [], [], [], []
    for input_set in input_sets(target.example_inputs, target.check_inputs, seed=SEED):
        try:
            output = call(run, input_set.args, kwargs)
            again = call(run, input_set.args, kwargs)
            reseeded = call(run, input_set.args, kwargs, seed=SEED + 1)
        except Exception as exc:
            if input_set.generated:
                continue
            raise RuntimeError(f"the reference raised on {input_set.label}: {type(exc).__name__}: {first_line(str(exc))}") from exc
        itself = compare(output, again)
        spread = 0.0 if itself.ok else (itself.max_abs_error if itself.max_abs_error is not None else math.inf)
        if not itself.ok:
            unstable.append(f"{input_set.label} (Δ{spread:.2g})" if itself.error is None else input_set.label)
        elif not compare(output, reseeded).ok:
            seeded.append(input_set.label)
        sets.append(input_set)
        outputs.append(output)
        spreads.append(spread)
    notes = ()
    if unstable:
        notes += (f"{strategy} disagrees with itself on {', '.join(unstable)} with the same seed (uninitialised "
                  "memory, nondeterministic kernels?): checks there allow that spread",)
    if seeded:
        notes += (f"{strategy}'s outputs depend on the random seed on {', '.join(seeded)} (dropout, sampling): "
                  "every check runs with the same seed",)
    return Reference(tuple(sets), tuple(outputs), strategy, tuple(spreads), notes)


STATIC_SKIP = "other shapes: the program is static, like export's"


def check(run, reference: Reference, target: Target, static_shapes: bool) -> tuple[tuple[Check, ...], dict, tuple]:
    """Compare ``run`` with the reference on every input set (same shapes only, if static).

    Returns the checks, the exceptions raised by input label, and "label: reason" of the inputs
    not checked.
    """
    kwargs = dict(target.kwargs or {})
    checks, raised, skipped = [], {}, []
    for index, (input_set, expected) in enumerate(zip(reference.sets, reference.outputs)):
        if static_shapes and not same_shapes(input_set.args, target.example_inputs) and len(input_set.args) == len(
                target.example_inputs):  # other shapes; other arguments are still checked
            skipped.append(f"{input_set.label}: {STATIC_SKIP}")
            continue
        try:
            actual = call(run, input_set.args, kwargs)
        except Exception as exc:
            checks.append(Check(input_set.label, None, None, False, error_text(exc), raised=True))
            raised[input_set.label] = exc
            continue
        result = compare(expected, actual, spread=reference.spread(index))
        checks.append(Check(input_set.label, result.max_abs_error, result.max_rel_error, result.ok, result.error,
                            not_compared=result.not_compared, same_values=result.same_values))
    return tuple(checks), raised, tuple(skipped)


def error_text(exc: BaseException) -> str:
    """``Type: most useful line`` (without repeating the type when the line starts with one)."""
    line = summary_line(str(exc))
    return line if line.startswith(f"{type(exc).__name__}:") else f"{type(exc).__name__}: {line}"


def measure(run, target: Target, threads: int, min_run_time: float, phase=None) -> Latency:
    """Median and IQR of one call (``latency.py``: warm-up and block size first, then the timed blocks
    inside ``phase``, the worker's exclusive timing phase, on ``threads`` pinned cores)."""
    import torch

    from migrate.convert.latency import measured, torch_threads

    args, kwargs = copy.deepcopy(target.example_inputs), dict(target.kwargs or {})

    def one_call():
        run(*args, **kwargs)

    with torch.no_grad(), torch_threads(threads):
        return measured({"call": one_call}, threads, min_run_time, phase)["call"]


NOTE_CATEGORIES = ("TracerWarning", "UserWarning", "RuntimeWarning")


def warning_notes(caught) -> tuple[str, ...]:
    """First lines of interesting warnings (not the DeprecationWarnings every jit API raises)."""
    notes = []
    for w in caught:
        if w.category.__name__ not in NOTE_CATEGORIES:
            continue
        text = f"{w.category.__name__}: {first_line(str(w.message))}"
        if text not in notes:
            notes.append(text)
    return tuple(notes[:3])


def run_strategy(strategy: Strategy, target: Target, reference: Reference, *, target_name: str, artifact_dir: Path,
                 artifacts: dict, threads: int = 1, min_run_time: float = 0.2, archive_file: str | None = None,
                 measure_latency: bool = True, cache_dir: Path | None = None, timing=None) -> StrategyResult:
    """Convert ``target`` with ``strategy``, check it and time it. Never raises (except on interrupt).
    ``timing``: a context manager factory entered around the timing (the worker's exclusive phase)."""
    import torch

    name = strategy.name
    fresh = fresh_target(target)
    ctx = Context(fresh, target_name, Path(artifact_dir), threads, dict(artifacts), name, archive_file,
                  cache_dir=cache_dir)
    started = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            torch.manual_seed(SEED)
            with torch.no_grad():
                converted = strategy.convert(ctx)
        except SkipStrategy as exc:
            return StrategyResult(name, "skipped", error=str(exc), cause="not applicable")
        except Exception as exc:
            seconds = round(time.perf_counter() - started, 3)
            return failed_result(strategy, ctx, exc, seconds, warning_notes(caught))
        seconds = round(time.perf_counter() - started, 3)
        ctx.step("run")
        checks, raised, skipped_inputs = check(converted.run, reference, target, strategy.static_shapes)
    notes = tuple(dict.fromkeys((reference.notes if strategy.reference else ()) + converted.notes
                                + warning_notes(caught) + not_compared_notes(checks)))
    common = {"stage": "run", "skipped_inputs": skipped_inputs, "variant": converted.variant, "cached": converted.cached}
    if "example" in raised:  # a program that cannot run its own example did not convert
        failed = failed_result(strategy, ctx, raised["example"], seconds, notes, explain=False)
        return replace(failed, error=f"the converted program raised on the example: {failed.error}",
                       artifact=converted.artifact, checks=checks, **common)
    bad = [c for c in checks if not c.ok]
    latency = converted.latency
    if latency is None and measure_latency:
        try:
            # a dispatcher over several programs (one per flag value) is timed on the example's program
            if not bad and (strategy.reference or side_by_side.retimed(strategy.family, converted.artifact)):
                # timed again after the last strategy (side_by_side.py): briefly here, beside the other workers
                latency = measure(converted.timed or converted.run, target, threads,
                                  min_run_time * side_by_side.FIRST_SHARE)
            else:
                latency = measure(converted.timed or converted.run, target, threads, min_run_time, timing)
        except Exception as exc:
            notes += (f"latency not measured: {type(exc).__name__}: {first_line(str(exc))}",)
    if not bad:
        return StrategyResult(name, "ok", seconds=seconds, artifact=converted.artifact, checks=checks,
                              latency_ms=latency, notes=notes, **common)
    first = bad[0]
    detail = first.error or f"max abs error {first.max_abs_error:.3g}"
    cause = mismatch_cause(checks, target, raised, compiled=strategy.family in COMPILED_FAMILIES)
    return StrategyResult(
        name, "mismatch", error_type="Mismatch",
        error=f"differs from {reference.strategy} on {', '.join(c.label for c in bad)} ({first.label}: {detail})",
        cause=cause, hint=hint_for(cause), seconds=seconds, artifact=converted.artifact, checks=checks,
        latency_ms=latency, notes=notes, **common)


def not_compared_notes(checks: tuple[Check, ...]) -> tuple[str, ...]:
    """One note naming the output leaves that could not be compared (neither tensors nor comparable)."""
    leaves = list(dict.fromkeys(leaf for c in checks for leaf in c.not_compared))
    if not leaves:
        return ()
    return (f"not compared (neither a tensor nor comparable): {', '.join(leaves[:4])}"
            f"{', ...' if len(leaves) > 4 else ''}",)


def without_type(line: str, exc: BaseException) -> str:
    """The error line without a leading "TypeName: " that repeats error_type."""
    prefix = f"{type(exc).__name__}: "
    while line.startswith(prefix):
        line = line[len(prefix):]
    return line or type(exc).__name__


COMPILED_FAMILIES = ("compiled", "cpp")  # programs compiled ahead of time for the example's layout


def mismatch_cause(checks: tuple[Check, ...], target: Target | None = None, raised: dict | None = None,
                   compiled: bool = False) -> str:
    """"wrong on the example", "wrong on other inputs" (silently wrong) or "rejects other inputs" (raises).

    Two refinements: "other output structure" when every failing check has the same tensors in
    another structure, and "example strides" when a program compiled ahead of time from a
    non-contiguous example is wrong on, or raises "index out of bounds" on, other inputs (measured
    with torch 2.13: an AOTInductor package compiled from a transposed view gives silently wrong
    values on a contiguous copy of the same values).
    """
    bad = [c for c in checks if not c.ok]
    if bad and all(c.same_values for c in bad):
        return "other output structure"
    strided = target is not None and has_strided_tensor(target.example_inputs)
    if strided and raised and any("out of bounds" in str(exc) for exc in raised.values()):
        return "example strides"
    if strided and compiled and bad and not any(c.label == "example" for c in bad):
        return "example strides"
    if any(c.label == "example" for c in bad):
        return "wrong on the example"
    if any(not c.raised for c in bad):
        return "wrong on other inputs"
    return "rejects other inputs"


def has_strided_tensor(args) -> bool:
    """True when an input tensor is not contiguous (a transposed or sliced view)."""
    import torch
    from torch.utils._pytree import tree_flatten

    return any(isinstance(x, torch.Tensor) and not x.is_contiguous() for x in tree_flatten(args)[0])


def failed_result(strategy: Strategy, ctx: Context, exc: BaseException, seconds: float, notes: tuple,
                  explain: bool = True) -> StrategyResult:
    """A failed result: type, first line, cause, the user's source line, extra explanation."""
    message = str(exc)
    frames = traceback.extract_tb(exc.__traceback__)
    extra: dict = {}
    try:
        extra = (strategy.explain_failure(ctx, exc) if explain else None) or {}
    except Exception as explain_error:  # explaining must never turn a failure into a crash
        notes += (f"explain_failure raised {type(explain_error).__name__}: {first_line(str(explain_error))}",)
    if ctx.stage == "reload":  # it converted and saved: the archive is what fails
        cause = "archive does not reload"
    else:
        cause = extra.get("cause") or classify(type(exc).__name__, message)
    return StrategyResult(
        strategy.name, "failed", error_type=type(exc).__name__, error=without_type(message_excerpt(message), exc),
        cause=cause, source_line=failure_source_line(message, frames), hint=extra.get("hint") or hint_for(cause),
        seconds=seconds, draft_export=extra.get("draft_export"), notes=notes, stage=ctx.stage)
