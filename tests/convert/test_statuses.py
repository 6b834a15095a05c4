"""One test per status, through the CLI: ok, failed, skipped, timeout, crashed (segfault, abort).

status_targets.py misbehaves only under torch.export, so eager (the reference) works and the run
must go on past each crash and hang. mismatch is covered by test_fixtures.py.
"""

from pathlib import Path

import pytest

from migrate.cli import main
from migrate.convert.results import ConvertRun

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def status_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("statuses")
    output = folder / "convert.json"
    code = main(["convert", str(HERE / "status_targets.py"), "--strategies", "export", "--skip", "jit.freeze",
                 "--timeout", "20", "--min-run-time", "0.01", "--format", "json", "--output", str(output),
                 "--cache-dir", str(folder / "cache")])
    return code, ConvertRun.load(output)


def result(run: ConvertRun, target: str, strategy: str):
    return next(t for t in run.targets if t.name == target).result(strategy)


pytestmark = pytest.mark.slow


def test_exit_code_says_some_conversions_failed(status_run):
    code, run = status_run
    assert code == 1
    assert [t.name for t in run.targets] == ["fine", "segfaults", "aborts", "hangs", "raises", "out_of_memory",
                                              "broken_build"]


def test_ok(status_run):
    ok = result(status_run[1], "fine", "export")
    assert ok.status == "ok" and ok.artifact.endswith("export.pt2") and Path(ok.artifact).exists()
    assert ok.latency_ms.runs > 0 and ok.ratios["vs_eager"] > 0
    assert [c.label for c in ok.checks] == ["example", "random values"]  # static: same shapes only


@pytest.mark.parametrize("target, signal_name", [("segfaults", "SIGSEGV"), ("aborts", "SIGABRT")])
def test_crashed(status_run, target, signal_name):
    crashed = result(status_run[1], target, "export")
    assert crashed.status == "crashed" and crashed.error_type == signal_name and crashed.cause == "process crashed"
    assert result(status_run[1], target, "eager").status == "ok"  # the reference ran before the crash


def test_segfault_log_is_named(status_run):
    crashed = result(status_run[1], "segfaults", "export")
    assert "Fatal Python error: Segmentation fault" in crashed.error


def test_timeout(status_run):
    hung = result(status_run[1], "hangs", "export")
    assert hung.status == "timeout" and "20 s" in hung.error and hung.seconds >= 20


def test_failed_names_the_user_line(status_run):
    failed = result(status_run[1], "raises", "export")
    assert failed.status == "failed" and failed.error_type == "ValueError"
    assert failed.error == "this model refuses to be exported"
    assert failed.source_line.endswith('status_targets.py:45: raise ValueError("this model refuses to be exported")')


def test_allocation_failure_is_out_of_memory(status_run):
    oom = result(status_run[1], "out_of_memory", "export")
    assert oom.status == "failed" and oom.cause == "out of memory"


def test_skipped(status_run):
    run = status_run[1]
    assert result(run, "fine", "jit.freeze").status == "skipped"  # --skip
    assert result(run, "fine", "jit.freeze").cause == "skipped by user"
    broken = next(t for t in run.targets if t.name == "broken_build")
    assert broken.result("eager").status == "failed" and "the factory itself fails" in broken.result("eager").error
    assert broken.result("export").status == "skipped"


def test_table_format_prints_every_target(tmp_path, capsys):
    code = main(["convert", str(HERE / "status_targets.py"), "--targets", "fine,broken*", "--strategies", "jit.trace",
                 "--min-run-time", "0.01", "--cache-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1 and "fine" in out and "broken_build" in out and "target error" in out


def test_usage_errors_exit_2(tmp_path, capsys):
    assert main(["convert", str(HERE / "status_targets.py"), "--strategies", "nope", "--cache-dir", str(tmp_path)]) == 2
    assert "unknown strategy nope" in capsys.readouterr().err
    assert main(["convert", str(tmp_path / "missing.py"), "--cache-dir", str(tmp_path)]) == 2
