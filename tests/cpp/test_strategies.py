"""``cpp.torchscript`` and ``cpp.aoti`` through the convert strategy protocol (one test per outcome)."""

from __future__ import annotations

import pytest
import torch

from migrate.convert.strategies import discover
from migrate.convert.strategies.base import Context, SkipStrategy
from migrate.convert.targets import Target
from migrate.convert.strategies._cpp import CppRunnerError

pytestmark = pytest.mark.slow


def _context(module, example, checks, tmp_path, artifacts, strategy, kwargs=None) -> Context:
    target = Target(module, example, check_inputs=tuple(checks), kwargs=kwargs)
    return Context(target=target, target_name="model", artifact_dir=tmp_path, threads=1,
                   artifacts=artifacts, strategy_name=strategy)


def test_strategies_are_discovered_as_cpp_opt_ins():
    strategies = discover()
    assert strategies["cpp.torchscript"].opt_in == "cpp" and strategies["cpp.aoti"].opt_in == "cpp"
    assert set(strategies["cpp.torchscript"].needs) >= {"jit.script", "jit.trace"}
    assert strategies["cpp.aoti"].needs == ("aoti",) and strategies["cpp.aoti"].static_shapes
    order = list(strategies)
    assert order.index("cpp.aoti") > order.index("aoti")
    assert order.index("cpp.torchscript") > order.index("jit.script")


@pytest.mark.parametrize("name", ["MyCell", "SimpleCNN"])
@pytest.mark.parametrize("strategy, source", [("cpp.torchscript", "script"), ("cpp.torchscript", "trace"),
                                              ("cpp.aoti", "aoti")])
def test_converted_program_matches_eager_and_measures_itself(runners, artifacts, models, tmp_path, name, strategy,
                                                             source):
    module, example, checks = models(name)
    needed = {"script": "jit.script", "trace": "jit.trace", "aoti": "aoti"}[source]
    ctx = _context(module, example, checks, tmp_path, {needed: str(artifacts[name][source])}, strategy)
    converted = discover()[strategy].convert(ctx)
    assert converted.artifact == str(artifacts[name][source])
    assert converted.latency.runs == 100 and converted.latency.median > 0
    assert any("C++ load" in note for note in converted.notes)
    for args in [example, *checks]:
        outputs = converted.run(*args)
        with torch.no_grad():
            expected = torch.utils._pytree.tree_leaves(module(*args))
        assert max((e - a).abs().max().item() for e, a in zip(expected, outputs)) <= 1e-5


def test_torchscript_prefers_the_scripted_archive(runners, artifacts, models, tmp_path):
    module, example, checks = models("MyCell")
    both = {"jit.script": str(artifacts["MyCell"]["script"]), "jit.trace": str(artifacts["MyCell"]["trace"])}
    converted = discover()["cpp.torchscript"].convert(_context(module, example, checks, tmp_path, both,
                                                               "cpp.torchscript"))
    assert converted.artifact == both["jit.script"]


def test_wrong_shape_on_a_check_input_raises_a_runner_error(runners, artifacts, models, tmp_path):
    module, example, checks = models("MyCell")
    ctx = _context(module, example, checks, tmp_path, {"aoti": str(artifacts["MyCell"]["aoti"])}, "cpp.aoti")
    converted = discover()["cpp.aoti"].convert(ctx)
    with pytest.raises(CppRunnerError, match="unmatched dim value"):
        converted.run(torch.rand(4, 4), torch.rand(4, 4))


def test_aoti_refuses_a_flag_other_than_the_exported_one(runners, tmp_path):
    class Decoder(torch.nn.Module):
        def forward(self, x, greedy: bool):
            return x.argmax(-1) if greedy else x.argmin(-1)

    example, other = (torch.rand(2, 5), True), (torch.rand(2, 5), False)
    package = tmp_path / "decoder.pt2"
    with torch.no_grad():
        torch._inductor.aoti_compile_and_package(torch.export.export(Decoder(), example), package_path=str(package))
    ctx = _context(Decoder(), example, [other], tmp_path, {"aoti": str(package)}, "cpp.aoti")
    converted = discover()["cpp.aoti"].convert(ctx)
    assert torch.equal(converted.run(*example)[0], Decoder()(*example))
    with pytest.raises(CppRunnerError, match="exported with True"):
        converted.run(*other)


def test_archive_the_runner_cannot_load_fails_the_strategy(runners, models, tmp_path):
    module, example, checks = models("MyCell")
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"not an archive")
    ctx = _context(module, example, checks, tmp_path, {"jit.script": str(broken)}, "cpp.torchscript")
    with pytest.raises(CppRunnerError, match="failed at load"):
        discover()["cpp.torchscript"].convert(ctx)


def test_no_cmake_skips_the_strategy(artifacts, models, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    monkeypatch.setenv("MIGRATE_CPP_CACHE", str(tmp_path / "cache"))
    module, example, checks = models("MyCell")
    ctx = _context(module, example, checks, tmp_path, {"aoti": str(artifacts["MyCell"]["aoti"])}, "cpp.aoti")
    with pytest.raises(SkipStrategy, match="cmake not found"):
        discover()["cpp.aoti"].convert(ctx)


def test_keyword_inputs_skip_the_strategy(artifacts, models, tmp_path):
    module, example, checks = models("SimpleCNN")
    ctx = _context(module, example, checks, tmp_path, {"jit.script": str(artifacts["SimpleCNN"]["script"])},
                   "cpp.torchscript", kwargs={"scale": 2.0})
    with pytest.raises(SkipStrategy, match="positional inputs only"):
        discover()["cpp.torchscript"].convert(ctx)
