"""The JSON shape of `migrate convert --format json` (a contract with the report stage)."""

import json

import pytest

from migrate.convert.results import SCHEMA_VERSION, Check, ConvertRun, StrategyResult, TargetResult, with_ratios
from migrate.convert.strategies.base import Latency

# Golden key sets: renaming or removing any of these is a schema change (bump SCHEMA_VERSION).
RUN_KEYS = {"schema_version", "torch_version", "threads", "strategies", "wall_seconds", "errors", "targets"}
TARGET_KEYS = {"name", "source", "results"}
RESULT_KEYS = {"strategy", "status", "error_type", "error", "cause", "source_line", "hint", "seconds", "artifact",
               "draft_export", "checks", "latency_ms", "ratios", "notes", "stage", "skipped_inputs", "variant"}
CHECK_KEYS = {"label", "max_abs_error", "max_rel_error", "ok", "error", "raised", "not_compared", "same_values"}
LATENCY_KEYS = {"median", "iqr", "runs"}


def sample_run() -> ConvertRun:
    eager = StrategyResult("eager", "ok", seconds=0.0, checks=(Check("example", 0.0, 0.0, True),),
                           latency_ms=Latency(0.010, 0.001, 1000))
    trace = StrategyResult("jit.trace", "mismatch", error_type="Mismatch", error="differs from eager on check 1",
                           cause="wrong on other inputs", seconds=0.02, artifact="/tmp/a/jit.trace.pt",
                           checks=(Check("example", 0.0, 0.0, True), Check("check 1", 1.9, 2.5, False)),
                           latency_ms=Latency(0.008, 0.001, 1200), notes=("TracerWarning: ...",))
    export = StrategyResult("export", "failed", error_type="GuardOnDataDependentSymNode", error="Could not guard",
                            cause="data-dependent control flow", source_line="m.py:4: if x.sum() > 0:", seconds=0.1,
                            draft_export={"ran": True, "successful": False, "failures": [{"type": "DATA_DEPENDENT_ERROR"}]})
    target = with_ratios(TargetResult("MyCell+MyDecisionGate", "m.py:10", (eager, trace, export)))
    return ConvertRun(torch_version="2.13.0+cpu", threads=1, targets=(target,), strategies=("eager", "jit.trace", "export"),
                      errors=({"file": "bad.py", "message": "import failed"},), wall_seconds=3.5)


def test_json_keys_are_stable():
    data = json.loads(sample_run().to_json())
    assert set(data) == RUN_KEYS and data["schema_version"] == SCHEMA_VERSION == 1
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


def test_ratios_are_relative_to_baselines():
    trace = sample_run().targets[0].result("jit.trace")
    assert trace.ratios == {"vs_eager": 0.8}
    assert sample_run().targets[0].result("export").ratios == {}


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


def test_unknown_schema_version_is_refused():
    data = sample_run().to_dict() | {"schema_version": 99}
    with pytest.raises(ValueError, match="schema_version 99"):
        ConvertRun.from_dict(data)


def test_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown status"):
        StrategyResult("eager", "fine")


def test_has_failures():
    assert sample_run().has_failures
    clean = ConvertRun("2.13.0", 1, (TargetResult("t", "f.py:1", (StrategyResult("eager", "ok"),
                                                                      StrategyResult("aoti", "skipped"))),))
    assert not clean.has_failures
