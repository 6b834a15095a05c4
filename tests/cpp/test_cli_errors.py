"""`migrate cpp run` on the wrong files: one line naming the file and the reason, exit 2, no traceback.

These are caught before the runners are built or started, so they need no C++ toolchain.
"""

from __future__ import annotations

import pickle

import pytest
import torch

from migrate.cli import main
from migrate.cpp.runner import archive_kind


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cpp-cli")
    linear = torch.nn.Linear(3, 2).eval()
    torch.jit.script(linear).save(str(root / "scripted.pt"))
    torch.export.save(torch.export.export(linear, (torch.ones(1, 3),)), str(root / "exported.pt2"))
    torch.save((torch.ones(1, 3),), root / "inputs.pt")
    torch.save({"x": torch.ones(1, 3)}, root / "dict.pt")
    (root / "garbage.pt").write_bytes(b"this is not a pickle " * 8)
    (root / "object.pt").write_bytes(pickle.dumps(object()))
    torch.save("a string", root / "string.pt")
    return root


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return lines[0]


@pytest.mark.parametrize(
    "inputs, reason",
    [
        pytest.param("garbage.pt", "not a tensor file, nor a torch.save file", id="garbage"),
        pytest.param("object.pt", "not a tensor file, nor a torch.save file", id="pickled-object"),
        pytest.param("dict.pt", "holds a dict; the runners take positional inputs", id="dict"),
        pytest.param("string.pt", "holds a str", id="string"),
        pytest.param("missing.pt", "cannot read inputs: No such file", id="missing"),
    ],
)
def test_unusable_inputs_file_is_a_usage_error(files, capsys, inputs, reason):
    argv = ["cpp", "run", str(files / "scripted.pt"), "--inputs", str(files / inputs)]
    assert main(argv) == 2
    line = _one_error_line(capsys)
    assert inputs in line and reason in line


@pytest.mark.parametrize(
    "archive, runner, reason",
    [
        pytest.param("scripted.pt", "aoti", "is a TorchScript archive (torch.jit.save); the aoti runner cannot load it: "
                     "run it with --runner torchscript", id="pt-as-aoti"),
        pytest.param("exported.pt2", None, "not compiled by AOTInductor; the aoti runner cannot load it: compile it "
                     "with torch._inductor.aoti_compile_and_package", id="export-only-pt2"),
        pytest.param("exported.pt2", "torchscript", "the torchscript runner cannot load it", id="pt2-as-torchscript"),
    ],
)  # fmt: skip
def test_archive_the_runner_cannot_load_is_one_line(files, capsys, archive, runner, reason):
    argv = ["cpp", "run", str(files / archive), "--inputs", str(files / "inputs.pt")]
    assert main(argv + (["--runner", runner] if runner else [])) == 2
    line = _one_error_line(capsys)
    assert reason in line and "The following files were found" not in line


def test_archive_kind(files):
    assert archive_kind(files / "scripted.pt") == "torchscript"
    assert archive_kind(files / "exported.pt2") == "export"
    assert archive_kind(files / "garbage.pt") is None
