"""Fixture pairs: fixtures/fix/<rule>/<case>.in.py must become <case>.out.py (all rewrites, unsafe included).

A new case is a new pair of files; no test code changes. A pair whose output equals its input is a
case the rewrite must refuse: it must then be reported for a human, with the reason (unless the
input suppresses it with `# migrate: ignore`).
"""

from __future__ import annotations

import pathlib
import re

import pytest

from migrate.fix import fix_source

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "fix"
CASES = sorted(FIXTURES.glob("*/*.in.py"))
ALIASED_IMPORT = re.compile(r"^(import torch\S* as \w+|from torch\S* import .*)$", re.MULTILINE)


def _pair(case: pathlib.Path) -> tuple[str, str]:
    return case.read_text("utf-8"), case.with_name(case.name.replace(".in.py", ".out.py")).read_text("utf-8")


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.name[:-6]}")
def test_fixture_pair(case):
    source, expected = _pair(case)
    outcome = fix_source(source, case.name, unsafe=True)
    assert (outcome.new_text if outcome.new_text is not None else source) == expected
    assert outcome.error is None
    compile(expected, case.name, "exec")
    rule = case.parent.name
    if expected == source:  # a refusal: reported for a human with its reason (or suppressed)
        reasons = [m.reason for m in outcome.manual if m.rule == rule]
        assert (reasons and all(reasons)) or "migrate: ignore" in source, outcome.manual
    else:
        assert any(r.rule == rule for r in outcome.rewrites)
        assert all(r.reason and r.safety in ("safe", "unsafe") for r in outcome.rewrites)
    # Running the fix again on its own output changes nothing (idempotent).
    assert fix_source(expected, case.name, unsafe=True).new_text is None


@pytest.mark.parametrize("rule", sorted({p.parent.name for p in CASES}))
def test_every_rewrite_has_a_fix_an_aliased_import_and_a_refusal(rule):
    pairs = [_pair(case) for case in CASES if case.parent.name == rule]
    assert any(source != expected for source, expected in pairs), "no case the rewrite changes"
    assert any(source == expected for source, expected in pairs), "no case the rewrite must refuse"
    assert any(source != expected and ALIASED_IMPORT.search(source) for source, expected in pairs), \
        "no changed case with an aliased or from-import of torch"


def test_every_rewritable_rule_has_fixtures():
    from migrate.fix.rewrites import finders, rewriters

    rules = {rule for rule, _ in rewriters()} | set(finders())
    assert rules <= {p.parent.name for p in CASES}
