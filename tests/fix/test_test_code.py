"""Tests that check TorchScript itself are never made vacuous (issue 12): in test code a scripted or traced
module that is only called is exported with the inputs in scope (the rewritten test still compares a
converted program with eager), or left and reported; `assertRaises` around a script is left."""

from __future__ import annotations

import pytest

from migrate.fix import fix_source

TIMM_LIKE = '''
import torch
from torch import nn


def test_torchscript():
    x = torch.randn(2, 8, 7, 7)
    pool = nn.AdaptiveAvgPool2d(1).eval()
    scripted = torch.jit.script(pool)
    out_orig = pool(x)
    out_script = scripted(x)
    assert torch.allclose(out_orig, out_script, atol=1e-5)
    return scripted
'''

HELPER = '''
import torch


def check_scripted(model):
    scripted = torch.jit.script(model)
    return scripted(torch.ones(2))
'''


def test_the_compared_value_is_no_longer_the_module_itself():
    outcome = fix_source(TIMM_LIKE.replace("    return scripted\n", ""), "test_pool.py", unsafe=True)
    assert "scripted = torch.export.export(pool, (x,)).module()" in outcome.new_text
    assert "scripted = pool" not in outcome.new_text
    assert "test" in outcome.rewrites[0].reason


def test_the_rewritten_test_runs_the_exported_program_and_still_passes():
    torch = pytest.importorskip("torch")
    outcome = fix_source(TIMM_LIKE, "test_pool.py", unsafe=True)
    namespace: dict = {}
    exec(compile(outcome.new_text, "test_pool.py", "exec"), namespace)
    compared = namespace["test_torchscript"]()
    assert isinstance(compared, torch.fx.GraphModule)  # an exported program's module, not the eager pool


def test_a_test_file_is_recognised_by_its_name():
    # Outside test code the module itself is what a caller wants; in a test file it would be compared with itself.
    assert "scripted = model" in fix_source(HELPER, "models/helpers.py", unsafe=True).new_text
    for path in ("tests/test_helpers.py", "helpers_test.py", "conftest.py"):
        outcome = fix_source(HELPER, path, unsafe=True)
        assert "scripted = torch.export.export(model, (torch.ones(2),)).module()" in outcome.new_text
        late = fix_source(HELPER.replace("scripted(torch.ones(2))", "scripted(x)"), path, unsafe=True)
        assert late.new_text is None  # `x` is not bound before the script: no inputs, left
        assert "compare the module with itself" in late.manual[0].reason


@pytest.mark.parametrize("guard", ["with self.assertRaises(Exception):", "with pytest.raises(RuntimeError):",
                                   "with self.assertRaisesRegex(RuntimeError, 'x'):"])
def test_a_script_expected_to_raise_is_left(guard):
    source = f"import torch\n\n\nclass T:\n    def test_bad(self):\n        {guard}\n            torch.jit.script(G())\n"
    outcome = fix_source(source, "t.py", unsafe=True)
    assert outcome.new_text is None
    assert [m.rule for m in outcome.manual] == ["TS101"]
    assert "expects TorchScript to reject" in outcome.manual[0].reason
