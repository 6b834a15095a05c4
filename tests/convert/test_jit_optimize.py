"""`jit.optimize` (torch.jit.optimize_for_inference of the frozen script, else trace), through the CLI:
checked against eager like every strategy, timed, with ratios in the JSON and a column in the table."""

from pathlib import Path

import pytest
import torch

from migrate.cli import main
from migrate.convert.results import ConvertRun
from migrate.convert.table import render_text

FIXTURES = Path(__file__).parents[2] / "fixtures" / "models"
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("optimize")
    output = folder / "convert.json"
    code = main(["convert", str(FIXTURES), "--targets", "SimpleCNN,MyCell,LSTM,process_outputs",
                 "--strategies", "jit.optimize", "--min-run-time", "0.02", "--format", "json", "--output", str(output),
                 "--cache-dir", str(folder / "cache")])
    return code, ConvertRun.load(output)


def result(run: ConvertRun, target: str):
    return next(t for t in run.targets if t.name == target).result("jit.optimize")


def test_optimized_script_is_ok_and_timed_with_ratios(run):
    cell = result(run[1], "MyCell")
    assert cell.status == "ok" and "frozen and optimised from jit.script" in cell.notes
    assert [c.label for c in cell.checks] == ["example", "random values", "dim0=4"] and all(c.ok for c in cell.checks)
    assert cell.latency_ms.median > 0 and {"vs_eager", "vs_torchscript"} <= set(cell.ratios)
    assert cell.artifact.endswith("jit.optimize.pt") and torch.jit.load(cell.artifact) is not None


def test_an_archive_torch_cannot_load_back_runs_in_memory(run):
    # torch 2.13: the MKLDNN convolutions of an optimised CNN save, but torch.jit.load rejects the file
    cnn = result(run[1], "SimpleCNN")
    assert cnn.status == "ok" and cnn.artifact is None and cnn.latency_ms.median > 0
    assert any("torch.jit.load rejects the saved optimised archive" in note for note in cnn.notes)


def test_trace_is_optimised_where_script_fails(run):
    lstm = next(t for t in run[1].targets if t.name == "LSTM")
    assert lstm.result("jit.script").status == "failed"
    assert lstm.result("jit.optimize").status == "ok"
    assert "frozen and optimised from jit.trace" in lstm.result("jit.optimize").notes


def test_functions_are_not_applicable(run):
    assert result(run[1], "process_outputs").status == "skipped"
    assert result(run[1], "process_outputs").cause == "not applicable"


def test_table_has_a_column_with_latency_and_ratio(run):
    table = render_text(run[1], width=200)
    header = next(line for line in table.splitlines() if "jit.optimize" in line)
    assert "jit.script" in header and "jit.trace" in header
    assert table.count("×") >= 8  # every timed cell shows its ratio to eager
