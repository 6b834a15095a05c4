"""Small models shaped like the tutorial fixtures (MyCell, SimpleCNN), their archives and the runners.

The runners are built once into the user cache (about 30 s the first time, then reused); the
AOTInductor packages are compiled once per session (7-36 s each).
"""

from __future__ import annotations

import pytest
import torch


class MyCell(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x, h):
        new_h = torch.tanh(self.linear(x) + h)
        return new_h, new_h


class SimpleCNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.pool = torch.nn.AdaptiveAvgPool2d(2)
        self.fc = torch.nn.Linear(32, 5)

    def forward(self, x):
        y = self.pool(torch.relu(self.conv(x)))
        return self.fc(y.flatten(1))


def _inputs(name: str, seed: int) -> tuple:
    g = torch.Generator().manual_seed(seed)
    if name == "MyCell":
        return (torch.rand(3, 4, generator=g), torch.rand(3, 4, generator=g))
    return (torch.rand(1, 3, 8, 8, generator=g),)


def make_model(name: str):
    """(eager module, example inputs, check inputs) with seeded weights."""
    torch.manual_seed(0)
    module = {"MyCell": MyCell, "SimpleCNN": SimpleCNN}[name]().eval()
    return module, _inputs(name, 1), [_inputs(name, seed) for seed in (2, 3, 4)]


@pytest.fixture(scope="session")
def models():
    """The model factory: ``models("MyCell") -> (module, example, check inputs)``."""
    return make_model


@pytest.fixture(scope="session")
def runners():
    """Both runners; skipped (with the reason) only where cmake or a compiler is missing."""
    from migrate.cpp.build import build_runners, find_tools

    problem = find_tools()[2]
    if problem and not build_runners().ok:
        pytest.skip(problem)
    result = build_runners()
    assert result.ok, result.error
    return result


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory):
    """name -> {"script": .pt, "trace": .pt, "aoti": .pt2} for MyCell and SimpleCNN."""
    folder = tmp_path_factory.mktemp("archives")
    made = {}
    for name in ("MyCell", "SimpleCNN"):
        module, example, _ = make_model(name)
        paths = {kind: folder / f"{name}.{kind}.pt" for kind in ("script", "trace")}
        with torch.no_grad():
            torch.jit.script(module).save(str(paths["script"]))
            torch.jit.trace(module, example).save(str(paths["trace"]))
            program = torch.export.export(module, example)
            paths["aoti"] = folder / f"{name}.pt2"
            torch._inductor.aoti_compile_and_package(program, package_path=str(paths["aoti"]))
        made[name] = paths
    return made
