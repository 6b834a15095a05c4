"""``_aoti_runner.load_package``: the compiled package called with its specs parsed once gives what torch's
``AOTICompiledModel`` gives, on the fast path (positional tensors) and on the general one (nested inputs,
keyword arguments, structured outputs)."""

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")]


def _package(tmp_path, model, args, kwargs=None):
    import torch
    from torch._inductor import aoti_compile_and_package

    program = torch.export.export(model.eval(), args, kwargs or {})
    return aoti_compile_and_package(program, package_path=str(tmp_path / f"{type(model).__name__}.pt2"))


def _torch_runner(path):
    import torch
    from torch.export.pt2_archive._package import AOTICompiledModel

    return AOTICompiledModel(torch._C._aoti.AOTIModelPackageLoader(str(path), "model", False, 1, -1))


def _same(a, b):
    import torch

    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return a == b


def test_positional_tensors_take_the_fast_path_and_match_torch(tmp_path):
    import torch

    from migrate.convert.strategies._aoti_runner import load_package

    class Two(torch.nn.Module):
        def forward(self, x, y):
            return torch.relu(x @ y)

    torch.manual_seed(0)
    x, y = torch.randn(3, 4), torch.randn(4, 5)
    path = _package(tmp_path, Two(), (x, y))
    runner, reference = load_package(path), _torch_runner(path)
    assert runner._positional == 2 and runner._single_output
    calls = []
    boxed_run = runner.loader.boxed_run
    runner.loader = type("Spy", (), {"boxed_run": lambda self, flat: calls.append(len(flat)) or boxed_run(flat)})()
    for inputs in ((x, y), (torch.randn(3, 4), torch.randn(4, 5))):
        out = runner(*inputs)
        assert _same(out, reference(*inputs)) and torch.equal(out, torch.relu(inputs[0] @ inputs[1]))
    assert calls == [2, 2]


def test_nested_inputs_keywords_and_structured_outputs_match_torch(tmp_path):
    import torch

    from migrate.convert.strategies._aoti_runner import load_package

    class Nested(torch.nn.Module):
        def forward(self, x, pair, *, scale):
            return {"sum": x + pair[0] * scale, "parts": (pair[1].sin(), x.cos())}

    torch.manual_seed(0)
    x, pair, scale = torch.randn(2, 3), (torch.randn(2, 3), torch.randn(4)), torch.randn(2, 3)
    path = _package(tmp_path, Nested(), (x, pair), {"scale": scale})
    runner, reference = load_package(path), _torch_runner(path)
    assert runner._positional is None and not runner._single_output
    out = runner(x, pair, scale=scale)
    assert _same(out, reference(x, pair, scale=scale))
    assert torch.equal(out["sum"], x + pair[0] * scale) and torch.equal(out["parts"][0], pair[1].sin())
