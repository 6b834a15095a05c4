"""Whether a rule has a rewrite, in which context and how safe, is declared once, next to the rewrite
(migrate/fix/rewrites). The scanner's generated table, the catalogue's `fixable` column, the README and
the docs must all say the same."""

import json
import re
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.fix.rewrites import finders, fixability, fixable_toml, rewriters
from migrate.scan.catalogue import load_rules

ROOT = Path(__file__).resolve().parents[2]


def _rule_level(safeties) -> str:
    """A rule's one `fixable` value: unsafe if any of its rewrites is, else safe if it has one, else none."""
    return "unsafe" if "unsafe" in safeties else "safe" if "safe" in safeties else "none"


def test_generated_table_is_in_step_with_the_declarations():
    text = (ROOT / "migrate" / "scan" / "fixable.toml").read_text()
    assert text == fixable_toml(), "run: python -m migrate.fix.rewrites"


def test_catalogue_fixable_column_agrees_with_the_rewrites():
    declared = fixability()
    for rule in load_rules():
        assert rule.fixable == _rule_level(declared.get(rule.id, {}).values()), rule.id
    assert set(declared) <= {r.id for r in load_rules()}


def test_fix_stage_rules_are_exactly_the_finders():
    assert set(finders()) == {r.id for r in load_rules() if r.stage == "fix"}
    assert not set(finders()) & {rule for rule, _ in rewriters()}


def _table_rows(text: str, header: str) -> list[list[str]]:
    start = text.index(header)
    rows = []
    for line in text[start:].splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


@pytest.mark.parametrize("doc", ["README.md", "docs/rules.md"])
def test_rule_tables_show_the_declared_fixability(doc):
    text = (ROOT / doc).read_text()
    if doc == "README.md":
        shown = {re.match(r"\[(TS\d+)\]", row[0]).group(1): row[3]
                 for row in _table_rows(text, "| rule | API | severity | fix | replacement |")}
    else:
        shown = dict(re.findall(r"^## (TS\d+)\n\n.*rewrite: \*\*(\w+)\*\*", text, re.MULTILINE))
    declared = fixability()
    assert shown == {r.id: _rule_level(declared.get(r.id, {}).values()) for r in load_rules()}


def test_fix_docs_list_every_declared_rewrite_with_its_safety():
    rows = _table_rows((ROOT / "docs" / "fix.md").read_text(), "| rule | from | to | class |")
    documented = {(rule, row[-1]) for row in rows for rule in row[0].split("/")}
    declared = {(rule, safety) for rule, contexts in fixability().items() for safety in contexts.values()}
    assert documented == declared


def test_scan_reports_what_the_declaration_says(tmp_path, capsys):
    # TS101's decorator rewrite is declared for functions only; its call rewrite is unsafe; TS104 has none.
    (tmp_path / "m.py").write_text(
        "import torch\n\n\n@torch.jit.script\ndef f(x):\n    return x\n\n\n@torch.jit.script\nclass C:\n"
        "    pass\n\n\nm = torch.jit.script(f)\n\n\nclass M(torch.jit.ScriptModule):\n"
        "    @torch.jit.script_method\n    def forward(self, x):\n        return x\n")
    assert main(["scan", str(tmp_path), "--format", "json", "--no-cache"]) == 1
    found = [(f["line"], f["rule"], f["fixable"]) for f in json.loads(capsys.readouterr().out)["findings"]]
    assert found == [(4, "TS101", "safe"), (9, "TS101", "none"), (14, "TS101", "unsafe"),
                     (17, "TS105", "none"), (18, "TS104", "none")]
