"""`migrate scan --format github` (workflow-command annotations) and `--format junit`, through main(argv)."""

import os
import re
import xml.etree.ElementTree as ET

import pytest

from migrate.cli import main
from migrate.scan.catalogue import load_rules
from migrate.scan.ci_formats import escape_data, escape_property

JIT = "import torch\nm = torch.jit.script(model)\nif torch.jit.is_scripting():\n    pass\nx: torch.jit.Final[int] = 1\n"
# ::level prop=value,prop=value::message (what GitHub's runner parses)
COMMAND = re.compile(r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "model.py").write_text(JIT)
    (tmp_path / "src" / "clean.py").write_text("import torch\n")
    monkeypatch.chdir(tmp_path)  # paths are shown relative to the folder the command runs in
    return tmp_path


def annotations(text: str) -> list[dict]:
    found = []
    for line in text.splitlines():
        match = COMMAND.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(part.split("=", 1) for part in match["props"].split(","))
        found.append({"level": match["level"], **props, "message": match["message"]})
    return found


def test_one_annotation_per_finding_with_rule_message_and_recipe(project, capsys):
    assert main(["scan", "src", "--format", "github", "--no-cache"]) == 1
    found = annotations(capsys.readouterr().out)
    assert [(a["level"], a["file"], a["line"], a["col"], a["title"]) for a in found] == [
        ("error", "src/model.py", "2", "5", "TS101"),
        ("notice", "src/model.py", "3", "4", "TS401"),  # info -> notice
        ("warning", "src/model.py", "5", "4", "TS306"),
    ]
    first = found[0]
    assert (first["endLine"], first["endColumn"]) == ("2", "21")
    rule = next(r for r in load_rules() if r.id == "TS101")
    message, recipe = first["message"].split("%0A")  # two lines: what, then the recipe's first line
    assert message.startswith(f"TS101 {rule.message} (torch.jit.script)")
    assert recipe == rule.recipe.strip().splitlines()[0].strip().replace("%", "%25")


def test_paths_are_relative_to_the_current_folder(project, capsys):
    os.chdir(project / "src")
    assert main(["scan", ".", "--format", "github", "--no-cache"]) == 1
    assert {a["file"] for a in annotations(capsys.readouterr().out)} == {"model.py"}


def test_special_characters_in_a_path_are_escaped(project, capsys):
    odd = project / "src" / "50%,a:b.py"
    odd.write_text("import torch\nm = torch.jit.trace(f, x)\n")
    assert main(["scan", str(odd), "--format", "github", "--no-cache"]) == 1
    line = capsys.readouterr().out.splitlines()[0]
    assert line.startswith("::error file=src/50%25%2Ca%3Ab.py,line=2,col=5,")
    assert annotations(line)[0]["file"] == "src/50%25%2Ca%3Ab.py"  # still one property per comma


def test_clean_scan_prints_nothing_and_exits_0(project, capsys):
    assert main(["scan", "src/clean.py", "--format", "github", "--no-cache"]) == 0
    assert capsys.readouterr().out == ""


def test_unscannable_file_is_a_warning(project, capsys):
    (project / "src" / "bad.py").write_bytes(b"import torch\ntorch.jit.script(\n")  # a syntax error
    main(["scan", "src", "--format", "github", "--no-cache"])
    bad = [a for a in annotations(capsys.readouterr().out) if a["file"] == "src/bad.py"]
    assert len(bad) == 1 and bad[0]["level"] == "warning" and bad[0]["message"].startswith("could not scan")


@pytest.mark.parametrize("text, data, prop", [
    pytest.param("plain", "plain", "plain", id="no-op"),
    pytest.param("100% sure", "100%25 sure", "100%25 sure", id="percent"),
    pytest.param("a\r\nb", "a%0D%0Ab", "a%0D%0Ab", id="line-ends"),
    pytest.param("x, y: z", "x, y: z", "x%2C y%3A z", id="comma-colon"),
    pytest.param("%0A", "%250A", "%250A", id="escape-is-not-undone"),
])
def test_escaping_matches_githubs_toolkit(text, data, prop):
    assert escape_data(text) == data and escape_property(text) == prop


def test_junit_has_one_failing_case_per_finding(project, capsys, tmp_path):
    out = tmp_path / "scan.xml"
    assert main(["scan", "src", "--format", "junit", "-o", str(out), "--no-cache"]) == 1
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites" and root.get("failures") == "3"
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["TS101 at 2:5", "TS401 at 3:4", "TS306 at 5:4"]
    assert {c.get("file") for c in cases} == {"src/model.py"}
    assert cases[0].find("failure").get("type") == "TS101"


def test_junit_without_findings_has_one_passing_case(project, capsys):
    assert main(["scan", "src/clean.py", "--format", "junit", "--no-cache"]) == 0
    root = ET.fromstring(capsys.readouterr().out.split("\n", 1)[1])
    cases = root.findall("testsuite/testcase")
    assert len(cases) == 1 and cases[0].find("failure") is None
