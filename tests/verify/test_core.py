"""The pure parts: hunks applied one at a time, and the before/after comparison of two convert runs."""

import difflib

import pytest

from migrate.convert.results import Check, ConvertRun, StrategyInfo, StrategyResult, TargetResult
from migrate.verify.core import compare_target, without_eager_check
from migrate.verify.hunks import apply_hunks, hunks

OLD = "".join(f"line {i}\n" for i in range(30))
NEW = OLD.replace("line 2\n", "line two\n").replace("line 25\n", "line 25\nadded\n")


def test_hunks_are_those_of_the_unified_diff_and_apply_one_at_a_time():
    pieces = hunks(OLD, NEW)
    shown = difflib.unified_diff(OLD.splitlines(), NEW.splitlines(), lineterm="")  # as migrate fix shows the diff
    assert [h.header for h in pieces] == [line for line in shown if line.startswith("@@")]
    assert len(pieces) == 2
    assert "-line 2" in pieces[0].text and "+line two" in pieces[0].text
    assert apply_hunks(OLD, pieces) == NEW
    assert apply_hunks(OLD, []) == OLD
    assert apply_hunks(OLD, [pieces[1]]) == OLD.replace("line 25\n", "line 25\nadded\n")


def test_no_change_has_no_hunks():
    assert hunks(OLD, OLD) == []


STRATEGIES = (StrategyInfo("eager", "reference", 0), StrategyInfo("jit.script", "torchscript", 10),
              StrategyInfo("export", "export", 20), StrategyInfo("verify.eager", "other", 1))


def run(**statuses) -> ConvertRun:
    results = tuple(StrategyResult(name.replace("_", "."), status, checks=(Check("example", 0.0, 0.0, status == "ok"),))
                    for name, status in statuses.items())
    return ConvertRun("2.13.0", 1, (TargetResult("T", "t.py:1", results),), strategies=STRATEGIES)


SAME = {"checks": [{"label": "example", "ok": True, "max_abs_error": 0.0}], "files": [], "notes": []}
REWRITES = {"m.py": {"path": "m.py", "diff": "@@ -1 +1 @@\n-a\n+b\n", "rewrites": [{"rule": "TS101"}]}}


@pytest.mark.parametrize("before, after, eager, regressions, improvements, routes", [
    # the migration worked: export starts working, jit.script stops (expected, not a regression)
    ({"eager": "ok", "jit_script": "ok", "export": "failed"}, {"eager": "ok", "jit_script": "failed", "export": "ok"},
     SAME, [], ["export"], ("torchscript", "clean")),
    # export stopped working: a regression, and the route got worse
    ({"eager": "ok", "jit_script": "ok", "export": "ok"}, {"eager": "ok", "jit_script": "ok", "export": "failed"},
     SAME, ["strategy:export"], [], ("clean", "torchscript")),
    # eager outputs changed: a regression, and no improvement counts
    ({"eager": "ok", "export": "failed"}, {"eager": "ok", "export": "ok"},
     {"checks": [{"label": "example", "ok": False, "max_abs_error": 0.5}]}, ["eager:eager"], [], ("blocked", "clean")),
    # the rewritten target no longer builds
    ({"eager": "ok", "export": "ok"}, {"eager": "failed", "export": "skipped"}, None, ["eager:eager"], [],
     ("clean", "blocked")),
])
def test_compare_target(before, after, eager, regressions, improvements, routes):
    result = compare_target("T", run(**before), run(**after), eager, ["m.py"], REWRITES)
    assert [f"{r['kind']}:{r['strategy']}" for r in result["regressions"]] == regressions
    assert [i["strategy"] for i in result["improvements"]] == improvements
    assert (result["route_before"]["route"], result["route_after"]["route"]) == routes
    assert result["rewritten_files"] == [{"path": "m.py", "rules": ["TS101"]}]


def test_expected_torchscript_failures_are_listed_not_counted():
    result = compare_target("T", run(eager="ok", jit_script="ok", export="ok"),
                            run(eager="ok", jit_script="failed", export="ok"), SAME, [], {})
    assert result["regressions"] == []
    assert [(f["strategy"], f["expected"]) for f in result["new_failures"]] == [("jit.script", True)]


def test_the_verify_only_strategy_is_not_a_convert_column():
    stripped = without_eager_check(run(eager="ok", verify_eager="ok"))
    assert "verify.eager" not in stripped.strategy_names
    assert [r.strategy for r in stripped.targets[0].results] == ["eager"]


def test_a_fallback_skipped_because_torchscript_stopped_is_expected_not_a_regression():
    infos = STRATEGIES + (StrategyInfo("ts2ep", "fallback", 30),)

    def run_of(**statuses):
        return ConvertRun("2.13.0", 1, (TargetResult("T", "t.py:1", tuple(
            StrategyResult(n.replace("_", "."), st) for n, st in statuses.items())),), strategies=infos)

    result = compare_target("T", run_of(eager="ok", jit_script="ok", export="failed", ts2ep="ok"),
                            run_of(eager="ok", jit_script="failed", export="ok", ts2ep="skipped"), SAME, [], {})
    assert result["regressions"] == []
    assert {f["strategy"] for f in result["new_failures"] if f["expected"]} == {"jit.script", "ts2ep"}
    assert (result["route_before"]["route"], result["route_after"]["route"]) == ("fallback", "clean")


def test_a_route_lost_with_torchscript_names_the_strategy_to_bisect():
    result = compare_target("T", run(eager="ok", jit_script="ok", export="failed"),
                            run(eager="ok", jit_script="failed", export="failed"), SAME, [], {})
    [regression] = result["regressions"]
    assert regression["kind"] == "route" and regression["strategy"] == "jit.script"
    assert "still needs TorchScript -> converts with no strategy" in regression["detail"]
