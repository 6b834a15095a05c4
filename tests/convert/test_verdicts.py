"""Verdicts that must hold on real third-party models, reproduced on small models (issue 10).

One run of verdict_targets.py through the CLI; each test reads the result of one mechanism.
"""

from pathlib import Path

import pytest

from migrate.cli import main
from migrate.convert.results import ConvertRun

HERE = Path(__file__).parent
STRATEGIES = "jit.script,jit.trace,export,export.dynamic,ts2ep"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    folder = tmp_path_factory.mktemp("verdicts")
    output = folder / "convert.json"
    code = main(["convert", str(HERE / "verdict_targets.py"), "--strategies", STRATEGIES, "--min-run-time", "0.01",
                 "--format", "json", "--output", str(output), "--cache-dir", str(folder / "cache")])
    return code, ConvertRun.load(output)


def result(verdicts, target: str, strategy: str):
    return next(t for t in verdicts[1].targets if t.name == target).result(strategy)


def test_eager_is_not_a_mismatch_with_itself_when_the_output_holds_an_opaque_object(verdicts):
    eager = result(verdicts, "returns_a_cache", "eager")
    assert eager.status == "ok"
    assert eager.checks[0].not_compared == ("output[1]: Cache",)
    assert any("not compared" in n and "Cache" in n for n in eager.notes)
    assert result(verdicts, "returns_a_cache", "jit.script").status != "skipped"


def test_trace_of_a_dict_output_is_retried_with_strict_false(verdicts):
    trace = result(verdicts, "returns_a_dict", "jit.trace")
    assert trace.status == "ok" and trace.variant == "strict=False"
    assert any("strict tracing failed" in n and "strict=False" in n for n in trace.notes)


def test_ts2ep_is_checked_only_on_the_example_shapes_like_export(verdicts):
    for strategy in ("ts2ep", "export"):
        static = result(verdicts, "small_cnn", strategy)
        assert static.status == "ok", (strategy, static.error)
        assert [s.split(":")[0] for s in static.skipped_inputs] == ["check 1", "dim0=2"]
    assert result(verdicts, "small_cnn", "export.dynamic").skipped_inputs == ()
    assert verdicts[1].targets[2].result("jit.trace").skipped_inputs == ()


def test_an_archive_that_does_not_reload_is_a_reload_failure_not_a_script_failure(verdicts):
    script = result(verdicts, "archive_refuses_to_load", "jit.script")
    assert script.status == "failed" and script.stage == "reload"
    assert script.cause == "archive does not reload" and "convert" in script.hint or "load" in script.hint
    assert script.source_line is not None and "code/__torch__" not in script.source_line
    assert "verdict_targets.py" in script.source_line
    assert result(verdicts, "small_cnn", "jit.script").stage == "run"


def test_same_values_in_another_structure_is_named_as_such(verdicts):
    script = result(verdicts, "scripted_returns_a_namedtuple", "jit.script")
    assert script.status == "mismatch" and script.cause == "other output structure"
    assert "Outputs" in script.error or "tuple" in script.error.lower()
    assert "the tensors are equal" in script.error
    assert result(verdicts, "scripted_returns_a_namedtuple", "export").status == "ok"


@pytest.mark.parametrize("strategy", ["jit.script", "jit.trace", "export", "export.dynamic", "ts2ep"])
def test_keyword_inputs_work_in_every_strategy_that_takes_them(verdicts, strategy):
    r = result(verdicts, "keyword_inputs", strategy)
    assert r.status == "ok", (strategy, r.error)


def test_eager_that_depends_on_the_seed_says_so_and_is_checked_with_the_same_seed(verdicts):
    eager = result(verdicts, "dropout_in_training_mode", "eager")
    assert eager.status == "ok"
    assert any("depend on the random seed" in n for n in eager.notes)
    assert result(verdicts, "dropout_in_training_mode", "jit.script").status == "ok"


def test_eager_that_disagrees_with_itself_under_the_same_seed_sets_the_spread(verdicts):
    eager = result(verdicts, "counts_its_calls", "eager")
    assert eager.status == "ok" and any("disagrees with itself" in n and "same seed" in n for n in eager.notes)
    assert result(verdicts, "counts_its_calls", "export").status == "ok"  # within eager's own spread


def test_a_target_error_keeps_its_chained_cause_and_a_hint(verdicts):
    eager = result(verdicts, "import_fails_underneath", "eager")
    assert eager.status == "failed" and eager.cause == "target error" and eager.hint
    assert "Could not import module 'BertModel'" in eager.error
    assert "caused by ModuleNotFoundError: No module named 'a_package_that_is_not_installed'" in eager.error


def test_the_table_shows_stage_variant_and_skipped_inputs(tmp_path, capsys):
    code = main(["convert", str(HERE / "verdict_targets.py"), "--strategies", "jit.script,jit.trace,ts2ep",
                 "--targets", "archive_refuses_to_load,returns_a_dict,small_cnn", "--min-run-time", "0.01",
                 "--cache-dir", str(tmp_path / "cache")])
    out = capsys.readouterr().out
    assert code == 1
    assert "(at reload)" in out and "(strict=False)" in out
    assert "failed at the reload step" in out
