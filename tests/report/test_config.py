"""`migrate report` applies [tool.migrate] exactly as `migrate scan` does."""

from migrate.report.inputs import _call_scan


def test_report_scan_applies_tool_migrate(tmp_path):
    (tmp_path / "a.py").write_text("import torch\nm = torch.jit.script(x)\nt = torch.jit.trace(x, y)\n")
    (tmp_path / "skipped").mkdir()
    (tmp_path / "skipped" / "b.py").write_text("import torch\nm = torch.jit.script(x)\n")
    (tmp_path / "pyproject.toml").write_text('[tool.migrate]\nexclude = ["skipped/"]\nignore = ["TS102"]\n')
    data = _call_scan(str(tmp_path))
    assert [(f["path"], f["rule"]) for f in data["findings"]] == [("a.py", "TS101")]
