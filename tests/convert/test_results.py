"""The JSON shape of `migrate convert --format json` (a contract with the report stage) and its reader."""

import json

import pytest

from migrate.convert.results import (
    SCHEMA_VERSION,
    Check,
    ConvertRun,
    StrategyInfo,
    StrategyResult,
    TargetResult,
    with_ratios,
)
from migrate.convert.strategies.base import Latency

# Golden key sets: renaming or removing any of these is a schema change (bump SCHEMA_VERSION).
RUN_KEYS = {"schema_version", "torch_version", "threads", "strategies", "wall_seconds", "errors", "targets", "jobs",
            "executor", "timed_alone_seconds"}
STRATEGY_KEYS = {"name", "family", "order"}
TARGET_KEYS = {"name", "source", "baselines", "results", "python_free", "reused"}
RESULT_KEYS = {"strategy", "status", "error_type", "error", "cause", "source_line", "hint", "seconds", "artifact",
               "draft_export", "checks", "latency_ms", "ratios", "notes", "stage", "skipped_inputs", "variant", "cached"}
CHECK_KEYS = {"label", "max_abs_error", "max_rel_error", "ok", "error", "raised", "not_compared", "same_values"}
LATENCY_KEYS = {"median", "iqr", "runs"}
FAMILIES = {"eager": "reference", "jit.script": "torchscript", "jit.trace": "torchscript", "export": "export"}
INFOS = tuple(StrategyInfo(n, f, i * 10) for i, (n, f) in enumerate(FAMILIES.items()))


def sample_run() -> ConvertRun:
    eager = StrategyResult("eager", "ok", seconds=0.0, checks=(Check("example", 0.0, 0.0, True),),
                           latency_ms=Latency(0.010, 0.001, 1000))
    script = StrategyResult("jit.script", "ok", latency_ms=Latency(0.009, 0.001, 1000))
    trace = StrategyResult("jit.trace", "mismatch", error_type="Mismatch", error="differs from eager on check 1",
                           cause="wrong on other inputs", seconds=0.02, artifact="/tmp/a/jit.trace.pt",
                           checks=(Check("example", 0.0, 0.0, True), Check("check 1", 1.9, 2.5, False)),
                           latency_ms=Latency(0.008, 0.001, 1200), notes=("TracerWarning: ...",))
    export = StrategyResult("export", "failed", error_type="GuardOnDataDependentSymNode", error="Could not guard",
                            cause="data-dependent control flow", source_line="m.py:4: if x.sum() > 0:", seconds=0.1,
                            draft_export={"ran": True, "successful": False, "failures": [{"type": "DATA_DEPENDENT_ERROR"}]})
    target = with_ratios(TargetResult("MyCell+MyDecisionGate", "m.py:10", (eager, script, trace, export)), FAMILIES)
    return ConvertRun(torch_version="2.13.0+cpu", threads=1, targets=(target,), strategies=INFOS,
                      errors=({"file": "bad.py", "message": "import failed"},), wall_seconds=3.5)


def test_json_keys_are_stable():
    data = json.loads(sample_run().to_json())
    assert set(data) == RUN_KEYS and data["schema_version"] == SCHEMA_VERSION == 2
    assert all(set(s) == STRATEGY_KEYS for s in data["strategies"])
    assert data["strategies"][1] == {"name": "jit.script", "family": "torchscript", "order": 10}
    target = data["targets"][0]
    assert set(target) == TARGET_KEYS
    for result in target["results"]:
        assert set(result) == RESULT_KEYS
        for check in result["checks"]:
            assert set(check) == CHECK_KEYS
        if result["latency_ms"] is not None:
            assert set(result["latency_ms"]) == LATENCY_KEYS


def test_json_round_trip(tmp_path):
    run = sample_run()
    path = tmp_path / "convert.json"
    path.write_text(run.to_json())
    assert ConvertRun.load(path) == run


def test_ratios_are_against_the_fastest_ok_strategy_of_each_baseline_family():
    target = sample_run().targets[0]
    # jit.trace is faster than jit.script but a mismatch: the TorchScript baseline is jit.script
    assert target.baselines == {"eager": "eager", "torchscript": "jit.script"}
    assert target.result("jit.trace").ratios == {"vs_eager": 0.8, "vs_torchscript": 0.8889}
    assert target.result("jit.script").ratios == {"vs_eager": 0.9, "vs_torchscript": 1.0}
    assert target.result("export").ratios == {}  # no latency


def test_a_new_torchscript_family_strategy_joins_the_baseline_choice():
    optimized = StrategyResult("jit.optimize", "ok", latency_ms=Latency(0.006, 0.001, 1000))
    target = sample_run().targets[0]
    widened = with_ratios(TargetResult("t", "m.py:1", target.results + (optimized,)),
                          {**FAMILIES, "jit.optimize": "torchscript"})
    assert widened.baselines["torchscript"] == "jit.optimize"
    assert widened.result("jit.script").ratios["vs_torchscript"] == 1.5


def test_version_1_json_is_upgraded():
    v1 = {"schema_version": 1, "torch_version": "2.13.0", "threads": 1,
          "strategies": ["eager", "jit.script", "jit.trace", "export", "jit.freeze"],
          "targets": [{"name": "t", "source": "m.py:1", "results": [
              {"strategy": "eager", "status": "ok", "latency_ms": {"median": 0.01, "iqr": 0, "runs": 9}},
              {"strategy": "jit.script", "status": "ok", "latency_ms": {"median": 0.008, "iqr": 0, "runs": 9},
               "ratios": {"vs_eager": 0.8}},
              {"strategy": "jit.freeze", "status": "ok", "latency_ms": {"median": 0.005, "iqr": 0, "runs": 9}},
              {"strategy": "export", "status": "ok", "latency_ms": {"median": 0.05, "iqr": 0, "runs": 9},
               "ratios": {"vs_eager": 5.0, "vs_jit.script": 6.25}}]}]}
    run = ConvertRun.from_dict(v1)
    assert run.strategy_names == ("eager", "jit.script", "jit.trace", "jit.freeze", "export")  # by declared order
    assert run.family("jit.freeze") == "torchscript" and run.family("export") == "export"
    target = run.targets[0]
    assert target.baselines == {"eager": "eager", "torchscript": "jit.freeze"}
    assert target.result("export").ratios == {"vs_eager": 5.0, "vs_torchscript": 10.0}
    assert run.to_dict()["schema_version"] == 2


def test_the_reader_is_tolerant_of_partial_input():
    run = ConvertRun.from_dict({"schema_version": 2, "targets": [
        {"name": "old", "results": [
            {"strategy": "eager", "status": "ok", "checks": [{"input": "example", "max_abs_error": 0, "ok": True}]},
            {"strategy": "export", "error": "boom", "latency_ms": "fast", "notes": "x"},
            {"status": "ok"}, "not a result"]},
        "junk"]})
    (old,) = run.targets
    assert [r.strategy for r in old.results] == ["eager", "export"]
    assert old.result("eager").checks == (Check("example", 0.0, None, True),)
    export = old.result("export")
    assert (export.status, export.error, export.latency_ms, export.notes) == ("failed", "boom", None, ())
    assert run.family("mystery") == "other" and run.strategy_names == ("eager", "export")


def test_json_without_the_newer_keys_still_reads():
    data = sample_run().to_dict()
    for result in data["targets"][0]["results"]:
        for key in ("stage", "skipped_inputs", "variant"):
            del result[key]
        for check in result["checks"]:
            del check["not_compared"], check["same_values"]
    trace = ConvertRun.from_dict(data).targets[0].result("jit.trace")
    assert trace.stage is None and trace.skipped_inputs == () and trace.variant is None
    assert trace.checks[1].not_compared == () and trace.checks[1].same_values is False


def test_unknown_schema_version_is_refused_unless_asked():
    data = sample_run().to_dict() | {"schema_version": 99}
    with pytest.raises(ValueError, match="schema_version 99"):
        ConvertRun.from_dict(data)
    assert ConvertRun.from_dict(data, any_version=True).targets == sample_run().targets


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown status"):
        StrategyResult("eager", "fine")


def test_has_failures():
    assert sample_run().has_failures
    clean = ConvertRun("2.13.0", 1, (TargetResult("t", "f.py:1", (StrategyResult("eager", "ok"),
                                                                      StrategyResult("aoti", "skipped"))),))
    assert not clean.has_failures


def test_the_fastest_ok_python_free_program_is_named_with_its_ratio_to_torchscript():
    families = {**FAMILIES, "aoti": "compiled", "aoti.freeze": "compiled"}
    base = sample_run().targets[0].results
    aoti = StrategyResult("aoti", "ok", latency_ms=Latency(0.006, 0.001, 1000), cached=True)
    frozen = StrategyResult("aoti.freeze", "ok", latency_ms=Latency(0.0045, 0.001, 1000), cached=False)
    faster_but_wrong = StrategyResult("aoti.other", "mismatch", latency_ms=Latency(0.001, 0.001, 1000))
    target = with_ratios(TargetResult("t", "m.py:1", base + (aoti, frozen, faster_but_wrong)),
                         {**families, "aoti.other": "compiled"})
    assert target.python_free == "aoti.freeze" and target.python_free_vs_torchscript == 0.5
    assert with_ratios(TargetResult("t", "m.py:1", base), families).python_free is None
    again = TargetResult.from_dict(json.loads(json.dumps(target.to_dict())))
    assert again == target and again.result("aoti").cached is True and again.result("eager").cached is None


def test_json_without_python_free_gets_it_on_reading():
    run = sample_run()
    aoti = StrategyResult("aoti", "ok", latency_ms=Latency(0.006, 0.001, 1000))
    data = json.loads(run.to_json())
    data["strategies"].append({"name": "aoti", "family": "compiled", "order": 70})
    data["targets"][0]["results"].append(aoti.to_dict())
    del data["targets"][0]["python_free"]
    assert ConvertRun.from_dict(data).targets[0].python_free == "aoti"
