"""`migrate scan` through its public surface: main(argv), exit codes, formats, config, cache."""

import json
import os
import re
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.scan import ScanConfig, scan

ROOT = Path(__file__).resolve().parents[2]
JIT = "import torch\nm = torch.jit.script(model)\nt = torch.jit.trace(model, x)\nif torch.jit.is_scripting():\n    pass\n"


@pytest.fixture
def project(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text(JIT)
    (tmp_path / "src" / "clean.py").write_text("import torch\nx = torch.zeros(3)\n")
    (tmp_path / "native").mkdir()
    (tmp_path / "native" / "serve.cpp").write_text('#include <torch/script.h>\nauto m = torch::jit::load("m.pt");\n')
    return tmp_path


def run_json(capsys, *argv):
    code = main(["scan", *argv, "--format", "json", "--no-cache"])
    return code, json.loads(capsys.readouterr().out)


def test_json_schema_and_paths(project, capsys):
    code, data = run_json(capsys, str(project))
    assert code == 1
    assert data["schema_version"] == 1 and data["tool"]["name"] == "torchscript-migrate"
    assert data["summary"] == {"files_scanned": 3, "files_with_findings": 2, "findings": 5, "files_failed": 0}
    first = data["findings"][0]
    assert set(first) == {"path", "line", "column", "end_line", "end_column", "rule", "api", "severity", "message",
                          "recipe", "fixable"}
    assert [(f["path"], f["line"], f["column"], f["rule"]) for f in data["findings"]] == [
        ("native/serve.cpp", 1, 1, "TS904"), ("native/serve.cpp", 2, 10, "TS901"),
        ("src/model.py", 2, 5, "TS101"), ("src/model.py", 3, 5, "TS102"), ("src/model.py", 4, 4, "TS401")]
    assert data["errors"] == []


def test_exit_codes_and_fail_on(project, capsys):
    assert main(["scan", str(project / "src" / "clean.py"), "--no-cache", "-q"]) == 0
    assert main(["scan", str(project), "--no-cache", "-q"]) == 1
    assert main(["scan", str(project / "src"), "--no-cache", "-q", "--fail-on", "error"]) == 1
    assert main(["scan", str(project / "src"), "--no-cache", "-q", "--select", "TS4", "--fail-on", "warning"]) == 0
    assert main(["scan", str(project), "--no-cache", "-q", "--fail-on", "never"]) == 0
    assert main(["scan", str(project), "--select", "TS7"]) == 2  # unknown rule prefix
    assert main(["scan", str(project / "missing")]) == 2
    assert main(["scan", str(project), "--format", "yaml"]) == 2
    capsys.readouterr()


def test_select_and_ignore(project, capsys):
    _, data = run_json(capsys, str(project), "--select", "TS1,TS9", "--ignore", "TS904")
    assert [f["rule"] for f in data["findings"]] == ["TS901", "TS101", "TS102"]


def test_pyproject_config(project, capsys):
    (project / "pyproject.toml").write_text('[tool.migrate]\nexclude = ["native/"]\nignore = ["TS401"]\n'
                                            'fail-on = "error"\nunknown-key = 1\n')
    code = main(["scan", str(project), "--format", "json", "--no-cache"])
    captured = capsys.readouterr()
    assert [f["rule"] for f in json.loads(captured.out)["findings"]] == ["TS101", "TS102"] and code == 1
    assert "unknown key in [tool.migrate]: unknown-key" in captured.err
    (project / "pyproject.toml").write_text('[tool.migrate]\nselect = ["TS4"]\nfail-on = "error"\n')
    assert main(["scan", str(project), "--no-cache", "-q"]) == 0  # only an info finding is left
    (project / "pyproject.toml").write_text('[tool.migrate]\nselect = "TS4\n')
    assert main(["scan", str(project), "--no-cache"]) == 2  # invalid TOML is a usage error
    capsys.readouterr()


def test_gitignored_paths_are_skipped_by_default(project, capsys):
    (project / ".git").mkdir()
    (project / ".gitignore").write_text("native/\n")
    _, data = run_json(capsys, str(project))
    assert {f["path"] for f in data["findings"]} == {"src/model.py"}
    _, data = run_json(capsys, str(project), "--no-respect-gitignore")
    assert {f["path"] for f in data["findings"]} == {"src/model.py", "native/serve.cpp"}


def test_sarif(project, capsys):
    assert main(["scan", str(project), "--format", "sarif", "--no-cache"]) == 1
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert "Before" in rules["TS101"]["help"]["text"] and rules["TS401"]["defaultConfiguration"]["level"] == "note"
    result = run["results"][0]
    assert result["ruleId"] == "TS904" and run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "TS904"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1,
                                                                     "endLine": 1, "endColumn": 26}


def test_markdown_and_terminal_output(project, capsys, tmp_path):
    out = tmp_path / "scan.md"
    assert main(["scan", str(project), "--format", "markdown", "-o", str(out), "--no-cache"]) == 1
    text = out.read_text()
    assert "| `torch.jit.script` | TS101 | error | 1 | 1 |" in text and "### `src/model.py`" in text
    assert main(["scan", str(project), "--no-cache"]) == 1
    terminal = capsys.readouterr().out
    assert "src/model.py:2:5" in terminal and "m = torch.jit.script(model)" in terminal
    assert "5 findings" in terminal


def test_python_api_matches_cli(project, capsys):
    _, data = run_json(capsys, str(project))
    result = scan([str(project)], ScanConfig(cache_dir=""))
    assert result.to_dict()["findings"] == data["findings"]


def test_warm_rescan_uses_the_cache_and_sees_changes(project, tmp_path):
    cache = str(tmp_path / "cache")
    config = ScanConfig(cache_dir=cache)
    cold = scan([str(project)], config)
    warm = scan([str(project)], config)
    assert warm.cache_hits == 3 and warm.findings == cold.findings
    model = project / "src" / "model.py"
    os.utime(model, ns=(1, 1))  # touched, same content: reused by hash
    assert scan([str(project)], config).findings == cold.findings
    model.write_text("import torch\n")
    changed = scan([str(project)], config)
    assert {f.path for f in changed.findings} == {"native/serve.cpp"}
    Path(cache, os.listdir(cache)[0]).write_text("{not json")  # a corrupt cache is ignored
    assert scan([str(project)], config).findings == changed.findings


def test_suppression_comments_in_both_languages(tmp_path, capsys):
    (tmp_path / "a.py").write_text("import torch\nm = torch.jit.script(x)  # migrate: ignore[TS101]\n")
    (tmp_path / "b.cpp").write_text('auto m = torch::jit::load(p);  // migrate: ignore\n')
    _, data = run_json(capsys, str(tmp_path))
    assert data["findings"] == []


def test_python_module_entry_point(project):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "migrate", "scan", str(project), "-q", "--no-cache"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "5 findings" in done.stdout


def test_scanner_does_not_import_torch(project):
    import subprocess
    import sys

    code = ("import sys; from migrate.cli import main; main(['scan', %r, '-q', '--no-cache']); "
            "assert 'torch' not in sys.modules, 'torch imported'" % str(project))
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_generated_rule_docs_are_current():
    from migrate.scan.rules_cli import rule_table_markdown, rules_markdown

    assert (ROOT / "docs" / "rules.md").read_text() == rules_markdown(), "run: migrate rules --format markdown > docs/rules.md"
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.S).group(1)
    assert table == rule_table_markdown(), "update the rule table in README.md"


def test_rules_command(capsys):
    assert main(["rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert len(rules) >= 40 and {"id", "api", "recipe", "before", "after"} <= set(rules[0])
    assert main(["rules", "TS9"]) == 0 and "torch::jit::load" in capsys.readouterr().out
    assert main(["rules", "XX"]) == 2
