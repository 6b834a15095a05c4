"""The bench's paired re-timing (tests/convert/paired.py): alternating blocks, and the artifacts it loads."""

import time

import torch

from tests.convert import paired


def busy(seconds: float):
    def call(*_args):
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            pass
    return call


def test_paired_medians_follow_the_cost_of_each_call():
    slow, fast = paired.paired(busy(200e-6), busy(50e-6), (), {}, rounds=6)
    assert 150e-6 < slow < 400e-6 and 40e-6 < fast < 150e-6
    assert slow > 2 * fast


def test_load_program_reads_torchscript_and_exported_programs(tmp_path):
    model = torch.nn.Linear(4, 3).eval()
    x = torch.randn(2, 4)
    torch.jit.save(torch.jit.trace(model, (x,)), tmp_path / "jit.trace.pt")
    torch.export.save(torch.export.export(model, (x,)), tmp_path / "export.pt2")
    with torch.no_grad():
        expected = model(x)
        for name in ("jit.trace.pt", "export.pt2"):
            torch.testing.assert_close(paired.load_program(str(tmp_path / name))(x), expected)
