"""Catalogue rules found by the codemods (stage "fix"): their examples are their tests, run through
`migrate fix`'s Python API as the scanner's rules run through the scanner."""

import pytest

from migrate.fix import suggest
from migrate.scan import ScanConfig
from migrate.scan.catalogue import load_rules

RULES = [r for r in load_rules() if r.stage == "fix"]


def _rules_reported(tmp_path, code):
    (tmp_path / "example.py").write_text(code)
    data = suggest([str(tmp_path)], ScanConfig(cache_dir=""), unsafe=True).to_dict()
    rewritten = {r["rule"] for f in data["files"] for r in f["rewrites"]}
    return rewritten | {m["rule"] for m in data["manual"]}


@pytest.mark.parametrize("rule,code", [pytest.param(r, c, id=f"{r.id}-invalid-{i}")
                                       for r in RULES for i, c in enumerate(r.invalid)])
def test_invalid_example_is_reported(tmp_path, rule, code):
    assert rule.id in _rules_reported(tmp_path, code)


@pytest.mark.parametrize("rule,code", [pytest.param(r, c, id=f"{r.id}-valid-{i}")
                                       for r in RULES for i, c in enumerate(r.valid)])
def test_valid_example_is_not_reported(tmp_path, rule, code):
    assert rule.id not in _rules_reported(tmp_path, code)


def test_there_is_a_fix_stage_rule():
    assert [r.id for r in RULES] == ["TS601"]
