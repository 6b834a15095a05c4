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
Their medians replace the ones timed after each conversion (a note keeps the first).

Timing every program twice for ``min_run_time`` doubled the timing, and with ``--jobs`` above 1
the exclusive phase pauses the other workers, so a core idles for as long as it lasts: in the
bench, ``--jobs 2`` took 126 s against 184 s for ``--jobs 1`` (1.46x) with both timings exclusive.
So a program that is timed again here (the reference and the ``retimed`` ones) is first timed
briefly (``FIRST_SHARE`` of ``min_run_time``, for the progress line) beside the other workers
(``harness.run_strategy``), and this timing is the one that pauses them. Where the side-by-side
timing cannot include such a program it still gets a full, exclusive timing of its own: artifacts
that together exceed ``MAX_BYTES`` (a large model held several times over) are loaded and timed one
at a time, and a lone program is timed alone. Only a program that cannot be loaded or run again
from its artifact keeps its brief first timing, with a note that says so. Programs that time
themselves (the C++ runners) keep their own timing.
"""

from __future__ import annotations

import copy
import gc
import os
from dataclasses import replace
from typing import Callable, Mapping

from migrate.convert.results import StrategyResult
from migrate.convert.strategies.base import Latency

MAX_BYTES = 1 << 30  # artifacts loaded at once, at most
FIRST_SHARE = 0.25  # of min_run_time: the first timing of a program timed again here
LOADABLE = ("torchscript", "aoti", "export")  # migrate.cpp.runner.archive_kind values loaded here
SELF_TIMED_FAMILIES = ("cpp",)  # programs run in another process, which times them


def retimed(family: str | None, artifact: str | None) -> bool:
    """Whether an ok program of this family with this artifact is timed again here."""
    from migrate.cpp.runner import archive_kind

    return (family not in SELF_TIMED_FAMILIES and bool(artifact) and os.path.isfile(artifact)
            and archive_kind(artifact) in LOADABLE)


def candidates(results: Mapping[str, StrategyResult], families: Mapping[str, str]) -> list[StrategyResult]:
    """The ok results that time again from their artifact, in run order."""
    return [r for r in results.values()
            if r.status == "ok" and r.latency_ms is not None and retimed(families.get(r.strategy), r.artifact)]


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


def _timed(programs: Mapping[str, Callable], args: tuple, kwargs: dict, threads: int, min_run_time: float,
           phase) -> dict[str, Latency]:
    """Each program's latency, all timed round-robin in one phase (``latency.measured``)."""
    from migrate.convert.latency import measured

    return measured({name: (lambda program=program: program(*args, **kwargs)) for name, program in programs.items()},
                    threads, min_run_time, phase)


def _first(result: StrategyResult, beside_others: bool) -> str:
    where = " beside the other workers" if beside_others else ""
    return f"first timed briefly after its conversion{where}: {result.latency_ms.median:.4g} ms" if result.latency_ms else ""


def measure(results: Mapping[str, StrategyResult], families: Mapping[str, str], reference: tuple[str, Callable] | None,
            example_inputs: tuple, kwargs: dict, threads: int, min_run_time: float,
            phase=None) -> dict[str, dict]:
    """Strategy -> {"latency": Latency.to_dict() or None, "note": text} for the programs timed again.

    ``reference``: (strategy, callable) of the reference program this process already holds (eager),
    timed with the others when its result is ok. ``phase``: the exclusive timing phase (None with one
    job). The reference and the ``candidates`` were first timed briefly (outside the phase), so each
    gets a full timing here where it can be loaded again."""
    import torch

    from migrate.convert.latency import torch_threads
    from migrate.convert.resources import format_size

    chosen = candidates(results, families)
    ref = results.get(reference[0]) if reference else None
    has_reference = bool(reference and ref is not None and ref.status == "ok" and ref.latency_ms is not None)
    beside = phase is not None
    args = copy.deepcopy(tuple(example_inputs))
    out: dict[str, dict] = {}

    def loaded(result: StrategyResult) -> Callable | None:
        try:
            program = load(result.artifact)
            program(*args, **kwargs)  # a program that cannot run again keeps its first timing
            return program
        except Exception as exc:  # noqa: BLE001 - it keeps its first timing, with a note that says why
            where = " beside the other workers" if beside else ""
            out[result.strategy] = {"latency": None, "note": (
                f"latency from a brief first timing{where}: it could not be loaded and run again from its "
                f"artifact to time it fully ({type(exc).__name__}: {_line(exc)})")}
            return None

    with torch.no_grad(), torch_threads(threads):
        if sum(os.path.getsize(r.artifact) for r in chosen) > MAX_BYTES:
            singles = [(reference[0], lambda: reference[1])] if has_reference else []
            singles += [(r.strategy, lambda r=r: loaded(r)) for r in chosen]
            for name, program_of in singles:  # one at a time
                program = program_of()
                if program is not None:
                    latency = _timed({name: program}, args, kwargs, threads, min_run_time, phase)[name]
                    out[name] = {"latency": latency.to_dict(), "note": (
                        f"latency timed again alone (the artifacts together exceed "
                        f"{format_size(MAX_BYTES)}, too much to time side by side); {_first(results[name], beside)}")}
                del program
                gc.collect()
            return out
        programs: dict[str, Callable] = {reference[0]: reference[1]} if has_reference else {}
        for result in chosen:
            program = loaded(result) if result.strategy not in programs else None
            if program is not None:
                programs[result.strategy] = program
        if programs:
            for name, latency in _timed(programs, args, kwargs, threads, min_run_time, phase).items():
                others = ", ".join(n for n in programs if n != name)
                how = (f"latency timed side by side with {others} (round-robin blocks)" if others
                       else "latency timed again alone")
                first = _first(results[name], beside)
                out[name] = {"latency": latency.to_dict(), "note": how + (f"; {first}" if first else "")}
        programs.clear()
        gc.collect()
    return out


def _line(exc: BaseException) -> str:
    from migrate.convert.causes import summary_line

    return summary_line(str(exc)) or "?"


def applied(results: Mapping[str, StrategyResult], retimes: Mapping[str, dict]) -> dict[str, StrategyResult]:
    """``results`` with what ``measure`` returned: the latency timed again in place of the first (where
    there is one) and its note."""
    out = dict(results)
    for name, retime in retimes.items():
        if name not in results:
            continue
        latency = Latency.from_dict(retime["latency"]) if retime.get("latency") else results[name].latency_ms
        out[name] = replace(results[name], latency_ms=latency, notes=results[name].notes + (retime["note"],))
    return out
