"""Every ok program of a target timed again side by side (migrate/convert/side_by_side.py)."""

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
    times = interleaved_blocks(calls, [1, 1, 1], min_run_time=0.002, min_blocks=6)
    assert all(len(series) >= 6 for series in times)
    slow, fast, middle = (sorted(series)[len(series) // 2] for series in times)
    assert slow > 2 * fast and fast < middle < slow
    rounds = [tuple(log[i:i + 3]) for i in range(3, len(log), 3)]  # after one uncounted call of each
    assert len(set(rounds)) == 3, rounds  # each program leads a round in turn


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
    latencies = side_by_side.measure(results, FAMILIES, ("eager", model), (x,), {}, threads=1, min_run_time=0.01)
    assert set(latencies) == {"eager", "jit.trace", "export"}
    assert all(latency.median > 0 and latency.runs >= 3 for latency in latencies.values())

    updated = side_by_side.applied(results, {n: latency.to_dict() for n, latency in latencies.items()})
    assert updated["jit.trace"].latency_ms == latencies["jit.trace"]
    assert updated["jit.trace"].notes == ("converted", "latency timed side by side with eager, export (round-robin "
                                          "blocks); timed alone after its conversion: 1 ms")
    for name in ("jit.script", "cpp.torchscript", "broken", "mismatch"):
        assert updated[name] == results[name]


def test_measure_leaves_the_timings_alone_when_the_artifacts_are_too_large_or_one_program_is_left(tmp_path, monkeypatch):
    model, x = saved(tmp_path)
    results = {"eager": ok("eager"), "jit.trace": ok("jit.trace", tmp_path / "jit.trace.pt")}
    assert side_by_side.measure({"eager": ok("eager")}, FAMILIES, ("eager", model), (x,), {}, 1, 0.01) == {}
    monkeypatch.setattr(side_by_side, "MAX_BYTES", 10)
    assert side_by_side.measure(results, FAMILIES, ("eager", model), (x,), {}, 1, 0.01) == {}


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
