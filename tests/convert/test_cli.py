"""Fast CLI behaviour: listing strategies, usage errors, the progress bar, the table."""

import io
from pathlib import Path

from rich.console import Console

from migrate.cli import main
from migrate.convert.cli import Progress
from migrate.convert.results import Check, ConvertRun, StrategyInfo, StrategyResult, TargetResult
from migrate.convert.strategies.base import Latency
from migrate.convert.table import render_text


def test_list_strategies(capsys):
    assert main(["convert", "--list-strategies"]) == 0
    out = capsys.readouterr().out
    assert "jit.trace" in out and "aoti" in out and "needs export or ts2ep" in out


def test_no_paths_is_a_usage_error(capsys):
    assert main(["convert"]) == 2
    assert "name at least one" in capsys.readouterr().err


def test_progress_counts_every_result():
    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    progress = Progress(console)
    progress.on_event({"event": "plan", "targets": ["a", "b"], "strategies": ["eager", "export"]})
    for target in ("a", "b"):
        for strategy in ("eager", "export"):
            progress.on_event({"event": "start", "target": target, "strategy": strategy})
            progress.on_event({"event": "result", "target": target, "result": {}})
    task = progress.bar.tasks[0]
    progress.stop()
    assert task.completed == task.total == 4 and task.description == "b: export"


def test_table_shows_status_latency_ratio_and_details():
    eager = StrategyResult("eager", "ok", latency_ms=Latency(0.5, 0.01, 100), checks=(Check("example", 2e-7, 0, True),))
    export = StrategyResult("export", "ok", latency_ms=Latency(1.0, 0.01, 100), ratios={"vs_eager": 2.0})
    trace = StrategyResult("jit.trace", "mismatch", error_type="Mismatch", error="differs from eager on check 1",
                           cause="wrong on other inputs", checks=(Check("example", 0, 0, True), Check("check 1", 1.9, 1, False)))
    run = ConvertRun("2.13.0", 1, (TargetResult("Gate", "m.py:3", (eager, trace, export)),),
                     strategies=(StrategyInfo("eager", "reference", 0), StrategyInfo("jit.trace", "torchscript", 20),
                                 StrategyInfo("export", "export", 30)))
    text = render_text(run, width=150)
    assert "500.0 µs" in text and "1.00 ms" in text and "×2.00" in text
    assert "ok Δ2e-07" in text and "wrong: check 1 Δ1.9" in text and "Gate · jit.trace: mismatch [wrong on other inputs]" in text


def test_unwritable_output_is_reported(tmp_path, capsys):
    targets = str(Path(__file__).parent / "status_targets.py")
    code = main(["convert", targets, "--targets", "no-such-target", "--output", str(tmp_path / "missing" / "out.txt"),
                 "--cache-dir", str(tmp_path)])
    assert code == 2 and "does not exist" in capsys.readouterr().err  # found before the run


def test_api_accepts_comma_separated_names(tmp_path):
    from migrate.convert import convert

    targets = Path(__file__).parent / "status_targets.py"
    run = convert(targets, strategies="jit.trace", targets="no-such-*", cache_dir=tmp_path)
    assert run.targets == () and "jit.trace" in run.strategy_names and "export" not in run.strategy_names
    assert run.errors[0]["message"] == "no target matches no-such-*"
