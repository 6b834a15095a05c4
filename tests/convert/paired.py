"""``python -m tests.convert.paired RUN.json PATH...``: the bench's latency ratios measured again, paired.

``migrate convert`` times each strategy right after converting it, so two strategies of one target
are timed tens of seconds apart (an AOTInductor compile between them). On a virtual machine the
host's load drifts over that time: in one process, jit.script of the TransformerEncoder fixture
measured 192 us at the start and 233 us a minute later, and the bench's ratio for that target moved
between 0.44x and 0.64x from run to run. A ratio is steadier when both programs are timed in the
same seconds: this loads the saved artifacts of the fastest export-family program and of its
TorchScript baseline (named in the run's JSON, ``bench.fastest_export``), and times them in
alternating blocks of about 10 ms (``ROUNDS`` rounds, each program one block per round, the order
swapped every round) on one core at one thread, under ``no_grad`` as ``migrate convert`` times.
The ratio is of the two medians of blocks. What it prints is a figure for the bench, not a check.
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


def paired(first, second, args: tuple, kwargs: dict, rounds: int = ROUNDS) -> tuple[float, float]:
    """Median seconds per call of ``first`` and ``second``, timed in alternating blocks
    (blocks sized by ``migrate.convert.latency.block_size``, as ``migrate convert`` sizes them)."""
    from migrate.convert.latency import block_size, summary

    calls = (lambda: first(*args, **kwargs), lambda: second(*args, **kwargs))
    numbers = [block_size(call) for call in calls]
    times: tuple[list, list] = ([], [])
    for index in range(rounds):
        for which in ((0, 1) if index % 2 == 0 else (1, 0)):
            call, number = calls[which], numbers[which]
            started = time.perf_counter()
            for _ in range(number):
                call()
            times[which].append((time.perf_counter() - started) / number)
    return summary(times[0])[0], summary(times[1])[0]


def main(argv: list[str]) -> int:
    import torch

    from migrate.convert.latency import pinned, torch_threads
    from migrate.convert.targets import collect, load_target
    from tests.convert.bench import fastest_export

    run_file, paths = argv[0], argv[1:]
    data = json.loads(open(run_file, encoding="utf-8").read())
    artifacts = {(t["name"], r["strategy"]): r.get("artifact") for t in data["targets"] for r in t["results"]}
    refs = {ref.name: ref for ref in collect(paths)[0]}
    for name, strategy, _median, _ratio, baseline in fastest_export(data):
        best, base = artifacts.get((name, strategy)), artifacts.get((name, baseline or ""))
        if not (best and base and name in refs):
            print(f"  {name:20} not paired (no saved artifact of {strategy} or of its baseline)")
            continue
        target = load_target(refs[name])
        kwargs = dict(target.kwargs or {})
        with torch.no_grad(), torch_threads(1), pinned(1):
            ours, theirs = paired(load_program(best), load_program(base), tuple(target.example_inputs), kwargs)
        print(f"  {name:20} {strategy:12} {ours * 1e6:8.1f} µs  {baseline:10} {theirs * 1e6:8.1f} µs  "
              f"{ours / theirs:.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
