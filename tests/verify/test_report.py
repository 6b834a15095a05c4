"""`migrate report PATH --targets T --verify`: the before/after column per target and the verified diff."""

import json

from migrate.cli import main

from tests.verify.conftest import snapshot


def test_report_with_verify_shows_after_migration_and_the_verified_diff(tree, tmp_path):
    before = snapshot(tree)
    out = tmp_path / "report"
    code = main(["report", str(tree), "--targets", str(tree / "models.py"), "--verify", "--strategies", "export",
                 "--out", str(out)])
    assert code == 1  # findings remain in the (unchanged) tree
    html = (out / "index.html").read_text()
    markdown = (out / "report.md").read_text()
    data = json.loads((out / "report.json").read_text())
    assert "after migration" in html and "Verified migration" in html
    assert "Regression:" in html and "-@torch.jit.script" in html  # the hunk of scaling.py
    assert "| after migration |" in markdown and "**Regression:**" in markdown and "```diff" in markdown
    verified = {t["name"]: t["verified"] for t in data["targets"]}
    assert verified["Scaled"]["regressions"] == 1 and not verified["Scaled"]["eager_unchanged"]
    assert verified["Offset"] == {"route_before": "clean", "route_after": "clean", "eager_unchanged": True,
                                  "regressions": 0, "improvements": []}
    assert data["verify"]["regressions"][0]["caused_by"] == ["scaling.py"]
    assert "before" not in data["verify"] and data["convert"]["targets"]  # "before" is the report's convert part
    assert snapshot(tree) == before


def test_report_without_verify_has_no_after_column(tree, tmp_path):
    out = tmp_path / "report"
    main(["report", str(tree), "--no-fix", "--out", str(out)])
    assert "after migration" not in (out / "index.html").read_text()
    assert "verify" not in json.loads((out / "report.json").read_text())


def test_verify_needs_a_path_and_targets(tmp_path, capsys):
    assert main(["report", "--targets", "models.py", "--verify", "--out", str(tmp_path / "r")]) == 2
    assert "--verify needs a PATH and --targets" in capsys.readouterr().err
