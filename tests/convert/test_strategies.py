"""Strategy discovery, run order, selection (--strategies, --skip, --cpp opt-in)."""

import pytest

from migrate.convert.supervisor import select_strategies
from migrate.convert.strategies import discover, run_order
from migrate.convert.strategies.base import Strategy

ISSUE_STRATEGIES = ["eager", "jit.script", "jit.trace", "export", "export.strict", "export.dynamic", "ts2ep", "aoti",
                    "jit.freeze", "jit.optimize", "jit.load"]


def test_every_strategy_of_the_issue_is_discovered():
    found = discover()
    assert set(ISSUE_STRATEGIES) <= set(found)
    assert all(isinstance(s, Strategy) and s.description for s in found.values())


def test_dependencies_run_first():
    names = list(discover())
    for name, strategy in discover().items():
        for dep in strategy.needs:
            if dep in names:
                assert names.index(dep) < names.index(name), (dep, name)


def test_run_order_rejects_cycles():
    class A(Strategy):
        name, needs = "a", ("b",)

    class B(Strategy):
        name, needs = "b", ("a",)

    with pytest.raises(ValueError, match="cycle"):
        run_order({"a": A, "b": B})


def select(strategies=None, skip=None, opt_in=()):
    return select_strategies(discover(), strategies, skip, opt_in)


def test_default_selection_leaves_out_opt_in_strategies():
    run, skipped = select()
    assert "aoti" in run and skipped == []
    assert not any(discover()[n].opt_in for n in run)


def test_opt_in_group_adds_its_strategies():
    found = discover()
    cpp = [n for n, s in found.items() if s.opt_in == "cpp"]
    run, _ = select(opt_in={"cpp"})
    assert set(cpp) <= set(run)


def test_named_strategies_bring_the_reference_and_what_they_need():
    run, skipped = select(strategies=["aoti"])
    assert run[:1] == ["eager"] and "export" in run and "ts2ep" in run and "aoti" in run
    assert "jit.script" in run  # ts2ep needs a TorchScript archive
    assert "jit.freeze" not in run and skipped == []


def test_skip_is_recorded_and_not_pulled_back_in():
    run, skipped = select(strategies=["aoti"], skip=["ts2ep"])
    assert "ts2ep" not in run and skipped == ["ts2ep"]


def test_skipping_a_strategy_skips_its_variants_too():
    """``--skip aoti`` leaves out every AOTInductor compile (aoti.freeze, aoti.sdpa_math, ...), as ruff's
    ``--ignore E`` ignores E501; a variant alone is skipped by its full name."""
    found = discover()
    run, skipped = select(skip=["aoti"], opt_in={"tuned"})
    variants = [n for n in found if n == "aoti" or n.startswith("aoti.")]
    assert len(variants) >= 3 and set(variants) == set(skipped)
    assert not any(n in run for n in variants) and "export" in run
    assert "aoti.tuned" not in select(skip=["aoti"])[1]  # opt-in and not opted in: not shown as skipped
    run, skipped = select(skip=["aoti.freeze"])
    assert skipped == ["aoti.freeze"] and "aoti" in run and "aoti.sdpa_math" in run
    run, skipped = select(skip=["export"])
    assert {"export", "export.strict", "export.dynamic"} == set(skipped) and "aoti" in run


@pytest.mark.parametrize("kwargs, message", [
    pytest.param({"strategies": ["jit.scrpt"]}, "unknown strategy jit.scrpt", id="typo"),
    pytest.param({"skip": ["eager"]}, "reference", id="skip-reference"),
])
def test_bad_selection_is_a_usage_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        select(**kwargs)


def test_ts2ep_fills_defaulted_arguments():
    import torch

    from migrate.convert.strategies.ts2ep import fill_defaults, trailing_defaults

    @torch.jit.script
    def scaled(x: torch.Tensor, factor: float = 2.0, greedy: bool = True) -> torch.Tensor:
        return x * factor if greedy else x

    defaults = trailing_defaults(scaled)
    x = torch.ones(2)
    assert fill_defaults((x,), defaults)[1:] == (2.0, True)
    assert fill_defaults((x, 3.0, False), defaults)[1:] == (3.0, False)
    assert fill_defaults((x,), [(True, 1), (False, None)]) == (x,)  # a required argument is missing: leave it
