"""Every program of a target timed again side by side, after all its strategies ran.

Each strategy is timed right after its conversion, so two strategies of a target are timed seconds
to minutes apart (an AOTInductor compile between them), and on a virtual machine the host's speed
drifts over that time: on the 2-core machine, jit.script of the TransformerEncoder fixture measured
192 us at the start of a run and 233 us a minute later; its ``aoti``/jit.script ratio ranged
0.44-0.78x over five runs, and one run timed ``aoti`` at 97 us and ``aoti.sdpa_math`` at 124 us
when side by side ``aoti.sdpa_math`` is the faster by a sixth in every run. The ratios and the
fastest Python-free program are the verdict a team acts on, so they come from one timing: the
reference and every ``ok`` program whose artifact this process loads (TorchScript archives,
AOTInductor packages, ExportedPrograms) are loaded again and timed round-robin
(``latency.interleaved_blocks``), each for ``min_run_time``, inside the exclusive timing phase.
Their medians replace the ones timed alone (a note keeps the first). Programs that time themselves
(the C++ runners), that cannot be loaded or called again, or whose artifacts together exceed
``MAX_BYTES`` (a large model held several times over) keep their own timing.
"""

from __future__ import annotations

import contextlib
import copy
import gc
import os
from dataclasses import replace
from typing import Callable, Mapping

from migrate.convert.results import StrategyResult
from migrate.convert.strategies.base import Latency

MAX_BYTES = 1 << 30  # artifacts loaded at once, at most
LOADABLE = ("torchscript", "aoti", "export")  # migrate.cpp.runner.archive_kind values loaded here
SELF_TIMED_FAMILIES = ("cpp",)  # programs run in another process, which times them


def candidates(results: Mapping[str, StrategyResult], families: Mapping[str, str]) -> list[StrategyResult]:
    """The ok results that time again from their artifact, in run order."""
    from migrate.cpp.runner import archive_kind

    return [r for r in results.values()
            if r.status == "ok" and r.latency_ms is not None and r.artifact and os.path.isfile(r.artifact)
            and families.get(r.strategy) not in SELF_TIMED_FAMILIES and archive_kind(r.artifact) in LOADABLE]


def load(path: str) -> Callable:
    """A callable for a saved artifact: a TorchScript archive, an AOTInductor package or an ExportedProgram."""
    import torch

    from migrate.cpp.runner import archive_kind

    kind = archive_kind(path)
    if kind == "aoti":
        from migrate.convert.strategies._aoti_runner import load_package

        return load_package(path)
    if kind == "export":
        return torch.export.load(path).module()
    return torch.jit.load(path, map_location="cpu")


def measure(results: Mapping[str, StrategyResult], families: Mapping[str, str], reference: tuple[str, Callable] | None,
            example_inputs: tuple, kwargs: dict, threads: int, min_run_time: float, phase=None) -> dict[str, Latency]:
    """Strategy -> its latency timed side by side with the others; {} where fewer than two programs take part.

    ``reference``: (strategy, callable) of the reference program this process already holds (eager),
    timed with the others when its result is ok."""
    import torch

    from migrate.convert.latency import block_size, interleaved_blocks, pinned, summary, torch_threads

    chosen = candidates(results, families)
    if sum(os.path.getsize(r.artifact) for r in chosen) > MAX_BYTES:
        return {}
    programs: dict[str, Callable] = {}
    ref = results.get(reference[0]) if reference else None
    if reference and ref is not None and ref.status == "ok" and ref.latency_ms is not None:
        programs[reference[0]] = reference[1]
    args = copy.deepcopy(tuple(example_inputs))
    with torch.no_grad(), torch_threads(threads):
        for result in chosen:
            try:
                program = load(result.artifact)
                program(*args, **kwargs)  # a program that cannot run again keeps its own timing
            except Exception:  # noqa: BLE001 - it keeps the latency it was measured with
                continue
            programs[result.strategy] = program
        if len(programs) < 2:
            return {}
        calls = [lambda program=program: program(*args, **kwargs) for program in programs.values()]
        numbers = [block_size(call) for call in calls]
        with (phase or contextlib.nullcontext)(), pinned(threads):
            times = interleaved_blocks(calls, numbers, min_run_time)
    out = {}
    for name, number, series in zip(programs, numbers, times):
        median, iqr = summary(series)
        out[name] = Latency(median=round(median * 1e3, 6), iqr=round(iqr * 1e3, 6), runs=len(series) * number)
    programs.clear()
    gc.collect()
    return out


def applied(results: Mapping[str, StrategyResult], latencies: Mapping[str, dict]) -> dict[str, StrategyResult]:
    """``results`` with the side-by-side latencies (``Latency.to_dict()`` by strategy) in place of their
    own, each with a note naming the programs it was timed with and its first median."""
    out = dict(results)
    names = [n for n in latencies if n in results]
    for name in names:
        before = results[name].latency_ms
        others = ", ".join(n for n in names if n != name)
        note = (f"latency timed side by side with {others} (round-robin blocks)"
                + (f"; timed alone after its conversion: {before.median:.4g} ms" if before else ""))
        out[name] = replace(results[name], latency_ms=Latency.from_dict(latencies[name]),
                            notes=results[name].notes + (note,))
    return out
