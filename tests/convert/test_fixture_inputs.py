"""The fixtures' inputs take both branches of every data-dependent `if` (else a trace that kept
one branch would look correct)."""

from pathlib import Path

import pytest
import torch

from migrate.convert.targets import collect, load_target

FIXTURES = Path(__file__).parents[2] / "fixtures" / "models"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the fixtures use torch.jit on purpose


def built(file: str, name: str):
    refs, errors = collect([str(FIXTURES / file)])
    assert errors == []
    return load_target(next(r for r in refs if r.name == name))


def all_inputs(target):
    return [target.example_inputs, *target.check_inputs]


def test_every_fixture_builds_and_runs():
    refs, errors = collect([str(FIXTURES)])
    assert errors == [] and len(refs) == 13
    for ref in refs:
        target = load_target(ref)
        with torch.no_grad():
            for args in all_inputs(target):
                target.module(*args)


def test_decision_gate_takes_both_branches():
    target = built("intro_tutorial.py", "MyCell+MyDecisionGate")
    signs = {bool(target.module.linear(x).sum() > 0) for x, _ in all_inputs(target)}
    assert signs == {True, False}


@pytest.mark.parametrize("name", ["MyRNNLoop", "WrapRNN"])
def test_loop_gate_takes_both_branches_and_lengths_differ(name):
    target = built("intro_tutorial.py", name)
    module = target.module.loop if name == "WrapRNN" else target.module
    linear = module.cell.linear
    weight, bias = linear.weight, linear.bias  # a traced submodule cannot be called on its own
    signs = {bool(torch.nn.functional.linear(step, weight, bias).sum() > 0) for (xs,) in all_inputs(target) for step in xs}
    assert signs == {True, False}
    assert len({xs.shape[0] for (xs,) in all_inputs(target)}) > 1  # an unrolled loop meets other lengths


def test_my_module_takes_both_branches():
    target = built("intro_tutorial.py", "MyModule")
    assert {bool(x.sum() > 0) for (x,) in all_inputs(target)} == {True, False}


def test_router_experts_are_each_used_and_unused():
    target = built("deep_dive.py", "DynamicRouter")
    gate = target.module.gate
    used = [set(torch.softmax(gate(x), -1).argmax(-1).tolist()) for (x,) in all_inputs(target)]
    for expert in range(4):
        assert {expert in u for u in used} == {True, False}


@pytest.mark.parametrize("name", ["ConditionalDecoder", "FullModel"])
def test_greedy_flag_takes_both_values(name):
    target = built("deep_dive.py", name)
    assert {args[1] if len(args) > 1 else True for args in all_inputs(target)} == {True, False}


def test_process_outputs_takes_both_label_branches():
    target = built("deep_dive.py", "process_outputs")
    assert {len(args) > 1 for args in all_inputs(target)} == {True, False}
