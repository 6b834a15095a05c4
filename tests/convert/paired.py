"""``python -m tests.convert.paired RUN.json PATH...``: the bench's latency ratios measured again, paired.

``migrate convert`` times each strategy right after converting it, so two strategies of one target
are timed tens of seconds apart (an AOTInductor compile between them). On a virtual machine the
host's load drifts over that time: in one process, jit.script of the TransformerEncoder fixture
measured 192 us at the start and 233 us a minute later, and the bench's ratio for that target moved
between 0.44x and 0.64x from run to run. A ratio is steadier when both programs are timed in the
same seconds: this loads the saved artifacts of every ok export-family program of a target and of its
TorchScript baseline (jit.script, or jit.trace where it failed: ``bench.fastest_export``), and times
them round-robin in blocks of about 10 ms (``ROUNDS`` rounds, each program one block per round, the
order rotated every round) on one core at one thread, under ``no_grad`` as ``migrate convert`` times.
The fastest program is the one with the least median of blocks here; its ratio is to the baseline's
median of the same rounds, and the others' ratios follow in brackets. What it prints is a figure for the bench, not a check.
"""

from __future__ import annotations

import json
import sys
import time

ROUNDS = 60


def load_program(path: str):
    """A callable for a saved artifact: TorchScript, an AOTInductor package or an ExportedProgram."""
    import torch

    from migrate.cpp.runner import archive_kind

    kind = archive_kind(path)
    if kind == "aoti":
        from migrate.convert.strategies._aoti_runner import load_package

        return load_package(path)
    if kind == "export":
        return torch.export.load(path).module()
    return torch.jit.load(path, map_location="cpu")


def interleaved(calls: list, rounds: int = ROUNDS) -> list[float]:
    """Median seconds per call of each of ``calls``, timed round-robin in blocks (sized by
    ``migrate.convert.latency.block_size``, as ``migrate convert`` sizes them), the order rotated
    every round so that no program always follows the same one."""
    from migrate.convert.latency import block_size, summary

    numbers = [block_size(call) for call in calls]
    times: list[list[float]] = [[] for _ in calls]
    for index in range(rounds):
        for step in range(len(calls)):
            which = (index + step) % len(calls)
            call, number = calls[which], numbers[which]
            started = time.perf_counter()
            for _ in range(number):
                call()
            times[which].append((time.perf_counter() - started) / number)
    return [summary(series)[0] for series in times]


def main(argv: list[str]) -> int:
    import torch

    from migrate.convert.latency import pinned, torch_threads
    from migrate.convert.targets import collect, load_target
    from tests.convert.bench import EXPORT_FAMILIES, fastest_export

    run_file, paths = argv[0], argv[1:]
    data = json.loads(open(run_file, encoding="utf-8").read())
    families = {s["name"]: s["family"] for s in data["strategies"]}
    refs = {ref.name: ref for ref in collect(paths)[0]}
    for name, _strategy, _median, _ratio, baseline in fastest_export(data):
        results = next(t["results"] for t in data["targets"] if t["name"] == name)
        base = next((r.get("artifact") for r in results if r["strategy"] == baseline), None)
        # every ok export-family program: which one is fastest is decided here, side by side,
        # not by the run's timings minutes apart
        ours = {r["strategy"]: r["artifact"] for r in results
                if r["status"] == "ok" and r.get("artifact") and families.get(r["strategy"]) in EXPORT_FAMILIES}
        if not (ours and base and name in refs):
            print(f"  {name:20} not paired (no saved export-family artifact or none of its baseline)")
            continue
        target = load_target(refs[name])
        args, kwargs = tuple(target.example_inputs), dict(target.kwargs or {})
        programs = [load_program(path) for path in (*ours.values(), base)]
        calls = [lambda program=program: program(*args, **kwargs) for program in programs]
        with torch.no_grad(), torch_threads(1), pinned(1):
            *medians, theirs = interleaved(calls)
        best, strategy = min(zip(medians, ours))
        others = ", ".join(f"{s} {m / theirs:.2f}x" for m, s in sorted(zip(medians, ours)) if s != strategy)
        print(f"  {name:20} {strategy:14} {best * 1e6:8.1f} µs  {baseline:10} {theirs * 1e6:8.1f} µs  "
              f"{best / theirs:.2f}x" + (f"  ({others})" if others else ""), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
