"""The targets' imports resolve to the rewritten copy: a targets file outside the scanned tree, a capture."""

import json
import shutil
import sys

from migrate.cli import main

from tests.verify.conftest import FAST, FIXTURE, snapshot


def test_targets_file_outside_the_tree_imports_the_rewritten_copy(tmp_path):
    src, targets = tmp_path / "src", tmp_path / "targets"
    src.mkdir(), targets.mkdir()
    for name in ("scaling.py", "offset.py"):
        shutil.copy(FIXTURE / name, src / name)
    shutil.copy(FIXTURE / "models.py", targets / "models.py")  # imports scaling and offset from src (--path)
    before = snapshot(tmp_path)
    out = tmp_path.parent / f"{tmp_path.name}-verify.json"
    code = main(["verify", str(src), "--targets", str(targets / "models.py"), "--path", str(src), "--only", "Scaled",
                 *FAST, "--format", "json", "--output", str(out)])
    result = json.loads(out.read_text())
    # the regression can only be seen if the rewritten run imported the copy of scaling.py, not the original
    assert code == 1
    assert [r["target"] for r in result["regressions"]] == ["Scaled"]
    assert result["regressions"][0]["caused_by"] == ["scaling.py"]
    assert snapshot(tmp_path) == before


RECORDED = '''import torch

from models import Scaled

program = torch.jit.script(Scaled())
program(torch.rand(2, 4))
program(torch.rand(3, 4))
'''


def test_a_captures_pickled_module_rebinds_to_the_rewritten_classes(tmp_path, capfd):
    src = tmp_path / "src"
    shutil.copytree(FIXTURE, src)
    (src / "export.py").write_text(RECORDED)
    captures = tmp_path / "captures"
    assert main(["record", "--out", str(captures), "--", sys.executable, str(src / "export.py")]) == 0
    capfd.readouterr()
    before = snapshot(src)
    out = tmp_path / "verify.json"
    code = main(["verify", str(src), "--targets", str(captures), *FAST, "--format", "json", "--output", str(out)])
    result = json.loads(out.read_text())
    # the capture's module was pickled as models.Scaled: only its copy calls the rewritten scale()
    assert code == 1
    [regression] = result["regressions"]
    assert regression["kind"] == "eager" and regression["caused_by"] == ["scaling.py"]
    assert snapshot(src) == before
