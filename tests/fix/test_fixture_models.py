"""The rewrites that migrate the tutorial models of fixtures/models (issue 14): what each one does to the
fixture sources and what it tells the user (the reasons and recipes, not only the code).

The slow test tests/convert/test_migrated_fixtures.py converts the migrated copy and checks that the
targets export and match eager; these run without torch conversions.
"""

from __future__ import annotations

import pathlib

from migrate.cli import main
from migrate.fix import fix_source

MODELS = pathlib.Path(__file__).resolve().parents[2] / "fixtures" / "models"


def _fixed(name: str):
    path = MODELS / name
    outcome = fix_source(path.read_text("utf-8"), name, unsafe=True)
    assert outcome.error is None
    return outcome


def test_scripted_and_traced_submodules_become_the_plain_modules():
    deep = _fixed("deep_dive.py")
    assert "self.encoder = Encoder(d_model).eval()" in deep.new_text
    assert "self.decoder = ConditionalDecoder(d_model, vocab_size)" in deep.new_text
    intro = _fixed("intro_tutorial.py")
    assert "self.cell = GatedCell(MyDecisionGate())" in intro.new_text  # the scripted gate inside the trace too
    assert "self.loop = MyRNNLoop()" in intro.new_text
    assert "torch.jit" not in intro.new_text
    reasons = [r.reason for r in intro.rewrites if r.rule in ("TS101", "TS102")]
    assert any(reason.startswith("`self.cell` is only called in its class") and "cannot trace through a ScriptModule"
               in reason for reason in reasons)


def test_the_decision_gate_becomes_torch_cond_and_the_shape_changing_branch_is_refused():
    intro = _fixed("intro_tutorial.py")
    assert "return torch.cond(x.sum() > 0, true_fn, false_fn, (x,))" in intro.new_text
    assert "self.weight.mv(input)" in intro.new_text and "output = torch.cond" not in intro.new_text  # MyModule kept
    refused = [m for m in intro.manual if m.rule == "TS601"]
    assert len(refused) == 1 and "`mv` changes the shape in the true branch only" in refused[0].reason


def test_dynamic_router_is_left_for_a_human_with_the_recipe():
    deep = _fixed("deep_dive.py")
    (router,) = [m for m in deep.manual if m.rule == "TS601"]
    assert "no codemod can prove" in router.reason
    assert "if mask.any(): out[mask] = f(x[mask])" in router.reason
    assert "torch.where(mask.unsqueeze(-1), f(x), out)" in router.reason
    assert "if mask.any():" in deep.new_text  # untouched


def test_the_exported_method_note_says_export_per_flag_value_and_why():
    deep = _fixed("deep_dive.py")
    (exported,) = [r for r in deep.rewrites if r.rule == "TS301"]
    assert "`set_temperature` sets self.temperature, which forward reads" in exported.reason
    assert "export once per flag value" in exported.reason and "`greedy`" in exported.reason
    assert "making `greedy` a tensor argument with torch.cond was not chosen" in exported.reason


def test_no_flag_note_without_a_flag():
    source = ("import torch\n\n\nclass M(torch.nn.Module):\n    @torch.jit.export\n    def helper(self, x):\n"
              "        return x\n\n    def forward(self, x, scale: float = 1.0):\n        return x * scale\n")
    (exported,) = [r for r in fix_source(source, "m.py", unsafe=True).rewrites if r.rule == "TS301"]
    assert "flag" not in exported.reason and "sets" not in exported.reason


def test_the_terminal_prints_reasons_as_written(tmp_path, capsys):
    # A reason holding `out[mask]` lost its brackets: the terminal read them as rich markup.
    (tmp_path / "deep_dive.py").write_text((MODELS / "deep_dive.py").read_text("utf-8"), "utf-8")
    assert main(["fix", str(tmp_path), "--no-cache", "--unsafe", "--no-color"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "`if mask.any(): out[mask] = f(x[mask])`" in out
