"""An AOTInductor package compiled from a non-contiguous example (a transposed view) is silently wrong
on a contiguous copy of the same values (torch 2.13.0): the cause names the example's strides."""

from __future__ import annotations

import pytest

from migrate.convert import convert

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

TARGETS = '''
import torch, migrate

class Scale(torch.nn.Module):
    def forward(self, x):
        return x * 2 + 1

@migrate.target(name="StridedExample")
def strided():
    x = torch.arange(24.0).reshape(4, 6).t()[:, :3]  # a non-contiguous view, shape (6, 3)
    return migrate.Target(Scale(), example_inputs=(x,), check_inputs=[(x.contiguous(),)])

@migrate.target(name="ContiguousExample")
def contiguous():
    x = torch.arange(24.0).reshape(4, 6).t()[:, :3].contiguous()
    return migrate.Target(Scale(), example_inputs=(x,), check_inputs=[(x * 1,)])
'''


def test_aoti_from_a_strided_example_is_named_by_its_cause(tmp_path):
    targets = tmp_path / "strided_targets.py"
    targets.write_text(TARGETS)
    run = convert([targets], strategies=["aoti"], skip=["ts2ep"], min_run_time=0.01, cache_dir=tmp_path)
    strided, contiguous = (next(t for t in run.targets if t.name == n) for n in ("StridedExample", "ContiguousExample"))
    aoti = strided.result("aoti")
    assert aoti.status == "mismatch" and aoti.cause == "example strides", aoti
    assert "contiguous example inputs" in aoti.hint
    assert strided.result("export").status == "ok"  # the exported program itself is right
    assert contiguous.result("aoti").status == "ok"  # the same model from a contiguous example
