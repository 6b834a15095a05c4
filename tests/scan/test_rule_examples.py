"""Every catalogue entry's examples are its tests: `invalid` ones must produce the rule, `valid` ones not."""

import pytest

from migrate.scan.analyze import analyze
from migrate.scan.catalogue import load_rules

RULES = [r for r in load_rules() if r.stage == "scan"]  # stage "fix" rules: tests/fix/test_catalogue_examples.py
INVALID = [pytest.param(r, code, id=f"{r.id}-invalid-{i}") for r in RULES for i, code in enumerate(r.invalid)]
VALID = [pytest.param(r, code, id=f"{r.id}-valid-{i}") for r in RULES for i, code in enumerate(r.valid)]


def _rules_found(rule, code):
    path = "example.cpp" if rule.language == "cpp" else "example.py"
    found, error = analyze(code.encode(), path, rule.language)
    assert error is None, error
    return found


@pytest.mark.parametrize("rule,code", INVALID)
def test_invalid_example_is_reported(rule, code):
    found = _rules_found(rule, code)
    assert rule.id in {f.rule for f in found}, f"{rule.id} not reported in:\n{code}"
    for finding in found:
        if finding.rule == rule.id:
            assert finding.severity == rule.severity and finding.recipe == rule.recipe


@pytest.mark.parametrize("rule,code", VALID)
def test_valid_example_is_not_reported(rule, code):
    assert rule.id not in {f.rule for f in _rules_found(rule, code)}


def test_every_rule_has_examples_both_ways():
    for rule in RULES:
        assert rule.invalid and rule.valid, rule.id


def test_rule_ids_are_unique_and_follow_the_numbering_policy():
    families = {"compile": "TS1", "serialize": "TS2", "annotate": "TS3", "runtime": "TS4", "internals": "TS5",
                "control-flow": "TS6", "cpp": "TS9"}
    rules = load_rules()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    apis = [r.api for r in rules]
    assert len(apis) == len(set(apis))
    for rule in rules:
        assert rule.stage in ("scan", "fix") and (rule.invalid and rule.valid), rule.id
        assert rule.id.startswith(families[rule.category]), rule.id
        assert rule.recipe and rule.before and rule.after and rule.replacement and rule.message


def test_issue_catalogue_apis_are_all_present():
    required = """torch.jit.script torch.jit.trace torch.jit.trace_module torch.jit.script_method
    torch.jit.ScriptModule torch.jit.ScriptFunction torch.jit.save torch.jit.load torch.jit.freeze
    torch.jit.optimize_for_inference torch.jit.export torch.jit.ignore torch.jit.unused torch.jit.interface
    torch.jit.annotate torch.jit.Final torch.jit.Attribute torch.jit.is_scripting torch.jit.is_tracing
    torch.jit.script_if_tracing torch.jit.fork torch.jit.wait torch.jit.Future torch.jit.isinstance
    torch.jit._overload torch.jit._overload_method torch.jit.CompilationUnit torch.jit.fuser
    torch.jit.set_fusion_strategy torch.jit.enable_onednn_fusion torch.jit.mobile._load_for_lite_interpreter
    torch.utils.mobile_optimizer.optimize_for_mobile torch._C._jit_* __constants__ type-comment
    torch::jit::load torch::jit::script::Module torch::jit::Module torch/script.h""".split()
    assert set(required) <= {r.api for r in RULES}
