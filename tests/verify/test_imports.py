"""The targets' imports resolve to the rewritten copy: a targets file outside the scanned tree."""

import json
import shutil

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
