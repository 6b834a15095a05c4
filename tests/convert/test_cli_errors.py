"""`migrate convert`'s usage problems are found before the run, in one line, with the documented exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
import torch

from migrate.cli import main
from migrate.convert.strategies.base import safe_name

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MYCELL = """
import torch, migrate

class MyCell(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x, h):
        return torch.tanh(self.linear(x) + h)

@migrate.target(name={name!r})
def cell():
    return migrate.Target(MyCell(), example_inputs=(torch.rand(3, 4), torch.rand(3, 4)))
"""


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.fixture
def archive(tmp_path) -> Path:
    path = tmp_path / "cell.pt"
    torch.jit.script(torch.nn.Linear(4, 2)).save(str(path))
    return path


@pytest.mark.parametrize("content, reason", [
    pytest.param(b"garbage" * 10, "not a file written by torch.save", id="garbage"),
    pytest.param("object", "holds objects other than tensors", id="object"),
    pytest.param(None, "no such file", id="missing"),
])
def test_bad_example_inputs_are_one_usage_error(tmp_path, capsys, archive, content, reason):
    inputs = tmp_path / "inputs.pt"
    if content == "object":
        torch.save((argparse.Namespace(x=1),), inputs)  # a class weights_only=True refuses
    elif content is not None:
        inputs.write_bytes(content)
    assert main(["convert", str(archive), "--example-inputs", str(inputs), "--artifacts", str(tmp_path / "a")]) == 2
    line = _one_line(capsys)
    assert line.startswith(f"migrate convert: --example-inputs {inputs}: ") and reason in line


def test_example_inputs_holding_a_dict(tmp_path, capsys, archive):
    inputs = tmp_path / "inputs.pt"
    torch.save({"x": torch.ones(1, 4)}, inputs)
    assert main(["convert", str(archive), "--example-inputs", str(inputs)]) == 2
    assert "holds a dict; save the positional inputs as a tuple" in _one_line(capsys)


@pytest.mark.parametrize("where", ["folder", "no-parent"])
def test_an_output_that_cannot_be_written_is_found_before_the_run(tmp_path, capsys, where):
    targets = tmp_path / "models.py"
    targets.write_text(MYCELL.format(name="MyCell"))
    output = tmp_path if where == "folder" else tmp_path / "missing" / "out.json"
    assert main(["convert", str(targets), "--output", str(output), "--strategies", "eager"]) == 2
    line = _one_line(capsys)
    assert "is a folder" in line if where == "folder" else "does not exist" in line
    assert not (tmp_path / "logs").exists()


def test_an_empty_folder_says_so(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["convert", str(tmp_path / "empty")]) == 2
    captured = capsys.readouterr()
    assert "no targets files (*.py with @migrate.target functions) in this folder" in captured.err
    assert captured.out == "", "no empty table"


def test_a_targets_file_that_fails_to_import_is_named_with_no_empty_table(tmp_path, capsys):
    (tmp_path / "broken.py").write_text("import torch\nimport no_such_module_here\n")
    assert main(["convert", str(tmp_path / "broken.py")]) == 2
    captured = capsys.readouterr()
    assert "broken.py: import failed: ModuleNotFoundError: No module named 'no_such_module_here'" in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "../up", "a/b"])
def test_a_target_name_never_leaves_the_artifacts_folder(name):
    safe = safe_name(name)
    assert "/" not in safe and not safe.startswith(".") and safe


def test_a_target_named_dot_dot_writes_inside_artifacts(tmp_path, capsys):
    targets = tmp_path / "models.py"
    targets.write_text(MYCELL.format(name=".."))
    artifacts = tmp_path / "deep" / "artifacts"
    code = main(["convert", str(targets), "--strategies", "jit.script", "--artifacts", str(artifacts),
                 "--min-run-time", "0.01"])
    assert code == 0, capsys.readouterr()
    written = [p for p in tmp_path.rglob("*.pt")]
    assert written and all(artifacts in p.parents for p in written), written


def test_the_table_ends_with_a_summary_line(tmp_path, capsys):
    targets = tmp_path / "models.py"
    targets.write_text(MYCELL.format(name="MyCell"))
    assert main(["convert", str(targets), "--strategies", "jit.script", "--min-run-time", "0.01",
                 "--artifacts", str(tmp_path / "a")]) == 0
    last = [line for line in capsys.readouterr().out.splitlines() if line.strip()][-1]
    assert last.startswith("1 target (1 with no failure) · 2 results: 2 ok") and last.endswith(" s")


@pytest.mark.parametrize("width", [80, 100, 160])
def test_a_narrow_terminal_gets_whole_words(width):
    """At 100-160 columns the matrix cropped columns and broke words inside cells ("jit.scri|pt")."""
    import io
    import json

    from rich.console import Console

    from migrate.convert.results import ConvertRun
    from migrate.convert.table import natural_width, render

    data = json.loads((Path(__file__).parents[1] / "report" / "data" / "convert.json").read_text())
    run = ConvertRun.from_dict(data)
    assert natural_width(run) > width  # the matrix does not fit: it is stacked
    out = Console(file=io.StringIO(), width=width, color_system=None)
    out.print(render(run, width=width))
    text = out.file.getvalue()
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    for name in run.strategy_names:  # every strategy name whole at the start of its row
        assert any(line.lstrip().startswith(name + " ") for line in lines), name
    closing = text[text.rindex(f"{len(run.targets)} targets ("):]  # the summary line, wrapped between words
    assert closing.rstrip().endswith(" s") and "results:" in closing
