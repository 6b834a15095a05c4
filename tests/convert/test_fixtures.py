"""The tutorial fixtures give the verdicts the issue expects (trace specialisation, DynamicRouter,
TorchScript submodules), AOTInductor works on one small model, and a .pt archive is a target."""

from pathlib import Path

import pytest
import torch

from migrate.convert import convert

FIXTURES = Path(__file__).parents[2] / "fixtures" / "models"
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def by_name(run, target):
    return next(t for t in run.targets if t.name == target)


@pytest.fixture(scope="module")
def intro_run(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return convert([FIXTURES / "intro_tutorial.py"], targets=["MyCell+MyDecisionGate", "WrapRNN"],
                   strategies=["jit.script", "jit.trace", "export.strict", "ts2ep"], min_run_time=0.02, cache_dir=cache)


def test_trace_specialisation_is_caught_on_the_decision_gate(intro_run):
    gate = by_name(intro_run, "MyCell+MyDecisionGate")
    trace = gate.result("jit.trace")
    assert trace.status == "mismatch" and trace.cause == "wrong on other inputs"
    assert [c.label for c in trace.checks if not c.ok][0] == "check 1"  # the input that takes the other branch
    assert "check 1" in trace.error and trace.checks[0].ok  # right on the example
    assert any(note.startswith("TracerWarning") for note in trace.notes)
    assert gate.result("jit.script").status == "ok"
    assert gate.result("ts2ep").status == "ok"  # converted from the scripted program: torch.cond keeps both branches


def test_strict_export_points_at_the_torchscript_submodule(intro_run):
    strict = by_name(intro_run, "WrapRNN").result("export.strict")
    assert strict.status == "failed" and strict.cause == "TorchScript submodule"
    assert "self.loop" in strict.hint and strict.source_line.endswith("y, h = self.loop(xs)")


@pytest.fixture(scope="module")
def router(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    run = convert([FIXTURES / "deep_dive.py"], targets=["DynamicRouter"],
                  strategies=["jit.script", "jit.trace", "export", "export.strict", "ts2ep"], min_run_time=0.02,
                  cache_dir=cache)
    return by_name(run, "DynamicRouter")


def test_dynamic_router_script_is_correct(router):
    script = router.result("jit.script")
    assert script.status == "ok" and [c.label for c in script.checks] == ["example", "check 1", "check 2", "random values", "dim0=9"]


def test_dynamic_router_trace_is_right_when_the_example_uses_every_expert(router):
    # The trace keeps every expert the example routed a sample to; the fixture's example uses all
    # four, so the trace generalises (with a TracerWarning), as TORCH_FACTS measured.
    trace = router.result("jit.trace")
    assert trace.status == "ok" and len(trace.checks) == 5
    assert any(note.startswith("TracerWarning") for note in trace.notes)


@pytest.mark.parametrize("strategy", ["export", "export.strict"])
def test_dynamic_router_export_names_the_data_dependent_if(router, strategy):
    result = router.result(strategy)
    assert result.status == "failed" and result.cause == "data-dependent control flow"
    assert result.source_line.endswith("deep_dive.py:54: if mask.any():")


def test_dynamic_router_draft_export_reports_only(router):
    report = router.result("export").draft_export
    assert report["ran"] and not report["successful"]
    assert report["failures"][0]["user_line"].endswith("if mask.any():")


def test_dynamic_router_ts2ep_fails(router):
    assert router.result("ts2ep").status == "failed"


def test_aoti_on_a_small_model(tmp_path):
    run = convert([FIXTURES / "intro_tutorial.py"], targets=["MyCell"], strategies=["aoti"], skip=["ts2ep"],
                  min_run_time=0.02, cache_dir=tmp_path)
    aoti = run.targets[0].result("aoti")
    assert aoti.status == "ok", aoti.error
    assert aoti.artifact.endswith(".pt2") and Path(aoti.artifact).exists()
    assert "compiled from export" in aoti.notes and aoti.latency_ms.median > 0
    assert (tmp_path / "inductor").is_dir()  # the AOTInductor cache lives in the cache dir


class Cell(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x, h):
        return torch.tanh(self.linear(x) + h)


def test_torchscript_archive_is_a_target(tmp_path):
    archive, inputs = tmp_path / "cell.pt", tmp_path / "inputs.pt"
    torch.jit.script(Cell()).save(str(archive))
    torch.save((torch.rand(3, 4), torch.rand(3, 4)), inputs)
    run = convert([archive], example_inputs=str(inputs), strategies=["ts2ep"], min_run_time=0.02, cache_dir=tmp_path)
    target = run.targets[0]
    assert target.name == "cell" and [r.strategy for r in target.results] == ["jit.load", "ts2ep"]
    assert target.result("jit.load").status == "ok" and target.result("ts2ep").status == "ok"


def test_aoti_drops_the_guard_on_a_bool_flag(tmp_path):
    # export specialises greedy=True and guards on it (loud), so export exports once more for greedy=False
    # (the recipe: one program per flag value); the AOTInductor package compiled from the example's
    # program takes the flag but ignores it (silent): only the check with greedy=False shows it.
    run = convert([FIXTURES / "deep_dive.py"], targets=["ConditionalDecoder"], strategies=["aoti"], skip=["ts2ep"],
                  min_run_time=0.02, cache_dir=tmp_path)
    target = run.targets[0]
    export, aoti = target.result("export"), target.result("aoti")
    assert export.status == "ok" and export.variant == "2 programs, per input value"
    assert any("greedy=True (example); greedy=False (check 1)" in note for note in export.notes)
    assert Path(export.artifact).exists() and Path(export.artifact).with_name("export.2.pt2").exists()
    assert aoti.status == "mismatch" and aoti.cause == "wrong on other inputs"
    assert aoti.checks[0].ok and not aoti.checks[1].ok and not aoti.checks[1].raised
