"""The unsafe rewrites produce code that runs under torch 2.13 and computes what the original did."""

from __future__ import annotations

import pytest

from migrate.fix import fix_source

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.slow

MODELS = '''
import torch
from torch import nn


class Gate(nn.Module):
    __constants__ = ["scale"]

    def __init__(self):
        super().__init__()
        self.scale = 2.0
        self.weight = nn.Parameter(torch.randn(4))

    def forward(self, x, bias):
        if x.sum() > 0:
            y = x * self.weight
            return y + bias
        return x - bias


class Mixer(nn.Module):
    def forward(self, x, h):
        if x.mean() > h.mean():
            out = x + h
            scale = x.max()
        else:
            out = x - h
            scale = h.max()
        return out * scale
'''


def _load(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "<fixture>", "exec"), namespace)
    return namespace


def test_torch_cond_suggestion_exports_and_matches_eager_on_both_branches():
    new = fix_source(MODELS, "models.py").new_text
    assert new.count("torch.cond(") == 2
    before, after = _load(MODELS), _load(new)
    for name, example in (("Gate", (torch.ones(4), torch.zeros(4))), ("Mixer", (torch.ones(4), torch.zeros(4)))):
        torch.manual_seed(0)
        eager = before[name]()
        torch.manual_seed(0)
        rewritten = after[name]()
        program = torch.export.export(rewritten, example).module()
        for sign in (1.0, -1.0):  # inputs that take each branch
            inputs = (sign * torch.arange(1.0, 5.0), torch.full((4,), 0.5))
            torch.testing.assert_close(program(*inputs), eager(*inputs))


SCRIPT = '''
import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
x = torch.randn(2, 4)
traced = torch.jit.trace(model, x)
torch.jit.save(traced, f"{folder}/model.pt")
loaded = torch.jit.load(f"{folder}/model.pt")
out = loaded(x)
'''


def test_trace_save_load_rewrite_round_trips_through_a_pt2(tmp_path):
    new = fix_source(SCRIPT, "script.py").new_text
    assert "torch.jit" not in new and 'f"{folder}/model.pt2"' in new
    namespace = {"folder": str(tmp_path)}
    exec(compile(new, "<script>", "exec"), namespace)
    assert (tmp_path / "model.pt2").is_file() and not (tmp_path / "model.pt").exists()
    torch.testing.assert_close(namespace["out"], namespace["model"](namespace["x"]))


def test_predicate_choice_skips_the_eager_only_branch_under_export():
    source = '''
import torch


class Checked(torch.nn.Module):
    def forward(self, x):
        if not torch.jit.is_scripting():
            print("eager only", x.shape)
        return x * 2
'''
    new = fix_source(source, "checked.py").new_text
    assert "torch.compiler.is_compiling()" in new
    module = _load(new)["Checked"]()
    program = torch.export.export(module, (torch.ones(2),))
    assert not any(node.target is print for node in program.graph.nodes)
    torch.testing.assert_close(program.module()(torch.ones(2)), torch.full((2,), 2.0))
