"""Every ok program of a target timed again side by side (migrate/convert/side_by_side.py)."""

import contextlib
import time
from pathlib import Path

import pytest
import torch

from migrate.convert import convert, side_by_side
from migrate.convert.latency import interleaved_blocks
from migrate.convert.results import StrategyResult
from migrate.convert.strategies.base import Latency

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "models"
FAMILIES = {"eager": "reference", "jit.trace": "torchscript", "jit.script": "torchscript", "export": "export",
            "cpp.torchscript": "cpp"}


def busy(seconds: float, log: list | None = None, name: str = ""):
    def call(*_args):
        if log is not None:
            log.append(name)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass
    return call


def test_interleaved_blocks_follow_the_cost_of_each_call_and_rotate_the_order():
    log: list[str] = []
    calls = [busy(200e-6, log, "a"), busy(50e-6, log, "b"), busy(100e-6, log, "c")]
    times, counts = interleaved_blocks(calls, [1, 1, 1], min_run_time=0.002, min_blocks=6, per_block=50e-6)
    assert all(len(series) >= 6 for series in times) and counts == [len(series) for series in times]
    slow, fast, middle = (sorted(series)[len(series) // 2] for series in times)
    assert slow > 2 * fast and fast < middle < slow
    rounds = [tuple(log[i:i + 3]) for i in range(3, 3 + 6 * 3, 3)]  # after one uncounted call of each
    assert set(rounds) == {("a", "b", "c"), ("b", "c", "a"), ("c", "a", "b")}, rounds  # each leads a round in turn
    # a program that has its time leaves the rounds: the fast one ran on alone, the slow one no longer
    assert log[-1] == "b" and len(times[0]) < len(times[1])


def test_a_block_estimated_while_the_program_was_slow_is_resized_and_costs_the_others_nothing():
    """TorchScript's profiling executor: slow first calls, then fast. Its estimated block of 2 calls is
    resized from the blocks it runs, so the other program is not timed for hundreds of extra rounds."""
    calls = {"n": 0}

    def warming(*_args):
        calls["n"] += 1
        busy(2e-3 if calls["n"] <= 4 else 5e-6)()

    steady = busy(100e-6)
    started = time.perf_counter()
    times, counts = interleaved_blocks([warming, steady], [2, 100], min_run_time=0.05, min_blocks=3)
    assert time.perf_counter() - started < 1.0  # unresized: 0.05 s / 10 us = 5,000 rounds of 10 ms of the other
    fast = sorted(times[0])[len(times[0]) // 2]
    assert fast < 50e-6 and counts[0] > 1000  # its later blocks hold many calls
    assert sum(t * n for t, n in zip(times[1], [100] * len(times[1]))) < 0.2  # the other: about its own 0.05 s


def saved(tmp_path: Path):
    """A Linear saved as TorchScript and as an ExportedProgram, and a TorchScript archive that needs two inputs."""
    model = torch.nn.Linear(4, 3).eval()
    x = torch.randn(2, 4)
    torch.jit.save(torch.jit.trace(model, (x,)), tmp_path / "jit.trace.pt")
    torch.export.save(torch.export.export(model, (x,)), tmp_path / "export.pt2")

    class Two(torch.nn.Module):
        def forward(self, a, b):
            return a + b

    torch.jit.save(torch.jit.script(Two()), tmp_path / "two.pt")
    return model, x


def ok(name: str, artifact=None, median: float = 1.0) -> StrategyResult:
    return StrategyResult(name, "ok", artifact=str(artifact) if artifact else None,
                          latency_ms=Latency(median, 0.1, 100), notes=("converted",))


def test_load_reads_torchscript_and_exported_programs(tmp_path):
    model, x = saved(tmp_path)
    with torch.no_grad():
        for name in ("jit.trace.pt", "export.pt2"):
            torch.testing.assert_close(side_by_side.load(str(tmp_path / name))(x), model(x))


def test_measure_times_the_loadable_ok_programs_and_leaves_the_others_alone(tmp_path):
    model, x = saved(tmp_path)
    (tmp_path / "not-an-archive.pt").write_bytes(b"no zip here")
    results = {
        "eager": ok("eager"),
        "jit.trace": ok("jit.trace", tmp_path / "jit.trace.pt"),
        "export": ok("export", tmp_path / "export.pt2"),
        "jit.script": ok("jit.script", tmp_path / "two.pt"),  # raises on the example: keeps its own timing
        "cpp.torchscript": ok("cpp.torchscript", tmp_path / "jit.trace.pt"),  # timed by its runner
        "broken": ok("broken", tmp_path / "not-an-archive.pt"),
        "mismatch": StrategyResult("mismatch", "mismatch", artifact=str(tmp_path / "jit.trace.pt"),
                                   latency_ms=Latency(1.0, 0.1, 10)),
    }
    retimes = side_by_side.measure(results, FAMILIES, ("eager", model), (x,), {}, threads=1, min_run_time=0.01)
    # not an archive: timed fully after its conversion, left alone; two.pt loads but raises: noted, not timed
    assert set(retimes) == {"eager", "jit.trace", "export", "jit.script"} and retimes["jit.script"]["latency"] is None
    latencies = {n: Latency.from_dict(r["latency"]) for n, r in retimes.items() if r["latency"]}
    assert all(latency.median > 0 and latency.runs >= 3 for latency in latencies.values())

    updated = side_by_side.applied(results, retimes)
    assert updated["jit.trace"].latency_ms == latencies["jit.trace"]
    assert updated["jit.trace"].notes == ("converted", "latency timed side by side with eager, export (round-robin "
                                          "blocks); first timed briefly after its conversion: 1 ms")
    for name in ("cpp.torchscript", "mismatch", "broken"):
        assert updated[name] == results[name]
    for name in ("jit.script",):
        assert updated[name].latency_ms == results[name].latency_ms
        assert updated[name].notes[-1].startswith("latency from a brief first timing: it could not be loaded and run "
                                                  "again from its artifact to time it fully")


def test_with_an_exclusive_phase_the_side_by_side_timing_runs_in_it_and_every_brief_timing_is_redone(tmp_path):
    """The reference and the candidates were first timed briefly (outside the exclusive phase with --jobs
    above 1): the side-by-side timing runs inside the phase, a lone program is timed alone, and a program
    that cannot be loaded again says that its latency is the brief one."""
    model, x = saved(tmp_path)
    entered = []

    @contextlib.contextmanager
    def phase():
        entered.append(1)
        yield

    results = {"eager": ok("eager"), "jit.trace": ok("jit.trace", tmp_path / "jit.trace.pt"),
               "jit.script": ok("jit.script", tmp_path / "two.pt")}
    retimes = side_by_side.measure(results, FAMILIES, ("eager", model), (x,), {}, 1, 0.01, phase)
    assert entered == [1] and set(retimes) == {"eager", "jit.trace", "jit.script"}
    assert retimes["jit.trace"]["note"] == ("latency timed side by side with eager (round-robin blocks); first timed "
                                            "briefly after its conversion beside the other workers: 1 ms")
    assert retimes["jit.script"]["latency"] is None
    assert retimes["jit.script"]["note"].startswith("latency from a brief first timing beside the other workers: it "
                                                    "could not be loaded and run again from its artifact")
    updated = side_by_side.applied(results, retimes)
    assert updated["jit.script"].latency_ms == results["jit.script"].latency_ms
    assert updated["jit.script"].notes[-1] == retimes["jit.script"]["note"]

    # a lone program, with an exclusive phase or without, is timed alone again: its first timing was brief
    lone = side_by_side.measure({"jit.trace": results["jit.trace"]}, FAMILIES, None, (x,), {}, 1, 0.01, phase)
    assert len(entered) == 2 and lone["jit.trace"]["note"].startswith("latency timed again alone; first timed briefly")
    alone = side_by_side.measure({"eager": ok("eager")}, FAMILIES, ("eager", model), (x,), {}, 1, 0.01)
    assert alone["eager"]["latency"]["runs"] >= 3 and alone["eager"]["note"].startswith("latency timed again alone;")


def test_too_large_artifacts_are_timed_one_at_a_time(tmp_path, monkeypatch):
    model, x = saved(tmp_path)
    results = {"eager": ok("eager"), "jit.trace": ok("jit.trace", tmp_path / "jit.trace.pt"),
               "export": ok("export", tmp_path / "export.pt2")}
    assert side_by_side.measure({"eager": StrategyResult("eager", "crashed")}, FAMILIES, ("eager", model), (x,), {},
                                1, 0.01) == {}
    monkeypatch.setattr(side_by_side, "MAX_BYTES", 10)
    entered = []
    retimes = side_by_side.measure(results, FAMILIES, ("eager", model), (x,), {}, 1, 0.01,
                                   lambda: contextlib.nullcontext(entered.append(1)))
    assert set(retimes) == {"eager", "jit.trace", "export"} and len(entered) == 3
    assert all(r["latency"] and r["note"].startswith("latency timed again alone (the artifacts together exceed 10 B, "
                                                     "too much to time side by side); first timed briefly")
               for r in retimes.values()), retimes


def test_convert_times_a_targets_programs_side_by_side_and_takes_its_ratios_from_them(tmp_path):
    run = convert([str(FIXTURES / "intro_tutorial.py")], strategies="eager,jit.script,jit.trace,export",
                  targets="MyCell", cache_dir=tmp_path / "cache", min_run_time=0.05)
    (target,) = run.targets
    timed = [r for r in target.results if r.status == "ok"]
    assert {r.strategy for r in timed} == {"eager", "jit.script", "jit.trace", "export"}
    for result in timed:
        assert any(note.startswith("latency timed side by side with") for note in result.notes), result.notes
        base = target.result(target.baselines["torchscript"])
        assert result.ratios["vs_torchscript"] == pytest.approx(result.latency_ms.median / base.latency_ms.median, rel=1e-3)
