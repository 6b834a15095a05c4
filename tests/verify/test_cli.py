"""`migrate verify` through its command line: regressions with their hunk and bisect, JSON, exit codes,
the user's tree left as it was."""

import json

import pytest

from migrate.cli import main
from migrate.convert.results import ConvertRun

from tests.verify.conftest import FAST, snapshot


@pytest.fixture(scope="module")
def verified(tree, tmp_path_factory):
    """One verify run of the behaviour fixture (two targets, two rewritten files, one breaks Scaled)."""
    out = tmp_path_factory.mktemp("out") / "verify.json"
    before = snapshot(tree)
    code = main(["verify", str(tree), "--targets", str(tree / "models.py"), *FAST, "--format", "json",
                 "--output", str(out)])
    return code, json.loads(out.read_text()), before, snapshot(tree)


def test_a_rewrite_that_changes_eager_output_is_a_regression_with_its_hunk(verified):
    code, result, _, _ = verified
    assert code == 1
    [regression] = result["regressions"]
    assert regression["target"] == "Scaled" and regression["kind"] == "eager"
    assert "differs from eager before" in regression["detail"]
    assert {c["label"] for c in regression["checks"]} >= {"example", "check 1"}
    [hunk] = regression["hunks"]
    assert hunk["path"] == "scaling.py"
    assert "-@torch.jit.script" in hunk["diff"] and "def scale(x):" in hunk["diff"]


def test_bisect_names_the_one_file_of_two_that_breaks_the_target(verified):
    _, result, _, _ = verified
    [regression] = result["regressions"]
    assert regression["caused_by"] == ["scaling.py"]
    assert "offset.py does not" in regression["bisect"] and "scaling.py breaks it" in regression["bisect"]
    scaled = next(t for t in result["targets"] if t["name"] == "Scaled")
    assert {f["path"] for f in scaled["rewritten_files"]} == {"offset.py", "scaling.py"}


def test_a_target_whose_rewrites_are_harmless_has_the_same_eager_outputs(verified):
    _, result, _, _ = verified
    offset = next(t for t in result["targets"] if t["name"] == "Offset")
    assert offset["regressions"] == [] and offset["eager"]["ok"]
    assert all(c["ok"] and c["max_abs_error"] == 0 for c in offset["eager"]["checks"])
    # the files building it imported (models.py imports both helpers), as the worker saw them
    assert [f["path"] for f in offset["rewritten_files"]] == ["offset.py", "scaling.py"]


def test_json_holds_both_convert_runs_and_the_rewrites(verified):
    _, result, _, _ = verified
    assert set(result) >= {"schema_version", "before", "after", "rewrites", "regressions", "improvements"}
    for side in ("before", "after"):
        run = ConvertRun.from_dict(result[side])  # convert's own JSON, read by convert's reader
        assert [t.name for t in run.targets] == ["Scaled", "Offset"]
        assert "verify.eager" not in run.strategy_names  # verify's own check is not a convert column
    assert {f["path"] for f in result["rewrites"]} == {"offset.py", "scaling.py"}
    assert result["summary"]["rewrites"] == 2 and result["summary"]["regressions"] == 1
    scaled = next(t for t in result["targets"] if t["name"] == "Scaled")
    assert scaled["route_before"]["route"] in ("torchscript", "clean", "fallback", "blocked")
    assert {row["strategy"] for row in scaled["matrix"]} == {"eager", "export"}


def test_the_users_tree_is_byte_for_byte_unchanged(verified):
    _, _, before, after = verified
    assert before == after


def test_nothing_regressed_exits_0(tree, capsys):
    assert main(["verify", str(tree), "--targets", str(tree / "models.py"), "--only", "Offset", *FAST]) == 0
    out = capsys.readouterr().out
    assert "Offset" in out and "0 regression(s)" in out


@pytest.mark.parametrize("argv, message", [
    (["verify", "no/such/tree", "--targets", "x.py"], "no such file"),
    (["verify", "{tree}", "--targets", "{tree}/missing.py"], "no such file"),
    (["verify", "{tree}", "--targets", "{tree}/scaling.py"], "no targets to verify"),
    (["verify", "{tree}", "--targets", "{tree}/models.py", "--strategies", "nope"], "unknown strategy"),
    (["verify", "{tree}"], "--targets"),
])
def test_usage_errors_exit_2(tree, capsys, argv, message):
    before = snapshot(tree)
    assert main([a.replace("{tree}", str(tree)) for a in argv]) == 2
    assert message in capsys.readouterr().err
    assert snapshot(tree) == before
