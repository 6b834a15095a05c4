"""``aoti.sdpa_math``: which attention calls it rewrites, and that the package it builds runs them in
inductor's kernels (no flash-attention call) with eager's outputs."""

import zipfile
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.convert.results import ConvertRun

HERE = Path(__file__).parent
FLASH_CALL = "aoti_torch_cpu__scaled_dot_product_flash_attention_for_cpu("
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")


def _calls(forward, *args) -> int:
    import torch

    from migrate.convert.strategies._sdpa_math import short_attention_calls

    class Module(torch.nn.Module):
        def forward(self, *inputs):
            return forward(*inputs)

    return short_attention_calls(torch.export.export(Module(), args))


def test_counts_only_short_float32_attention_without_dropout_or_causal():
    import torch
    import torch.nn.functional as F

    q = torch.randn(1, 2, 8, 16)
    assert _calls(F.scaled_dot_product_attention, q, q, q) == 1
    assert _calls(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, scale=0.5), q, q, q) == 1
    edge = torch.randn(1, 2, 128, 16)  # 128 x 128: the limit itself is rewritten
    assert _calls(F.scaled_dot_product_attention, edge, edge, edge) == 1
    assert _calls(F.scaled_dot_product_attention, torch.randn(1, 2, 129, 16), edge, edge) == 0
    for mask in (torch.zeros(8, 8), torch.ones(8, 8, dtype=torch.bool)):
        assert _calls(lambda a, b, c, m: F.scaled_dot_product_attention(a, b, c, attn_mask=m), q, q, q, mask) == 1
    assert _calls(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, dropout_p=0.1), q, q, q) == 0
    assert _calls(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, is_causal=True), q, q, q) == 0
    half = q.to(torch.bfloat16)
    assert _calls(F.scaled_dot_product_attention, half, half, half) == 0
    assert _calls(lambda a: torch.relu(a), q) == 0


def _convert(tmp_path, targets: str, strategies: str) -> ConvertRun:
    output = tmp_path / "run.json"
    code = main(["convert", str(HERE / "attention_targets.py"), "--targets", targets, "--strategies", strategies,
                 "--min-run-time", "0.01", "--format", "json", "-o", str(output), "--cache-dir", str(tmp_path / "cache")])
    assert code == 0
    return ConvertRun.load(output)


def test_targets_without_short_attention_are_skipped_before_any_compile(tmp_path):
    run = _convert(tmp_path, "long,none", "aoti.sdpa_math")
    for target in run.targets:
        result = target.result("aoti.sdpa_math")
        assert result.status == "skipped" and "the package would be aoti's" in result.error, (target.name, result)
    assert not (tmp_path / "cache" / "aoti-packages").exists()  # nothing was compiled
    assert not list((tmp_path / "cache").rglob("aoti.sdpa_math.pt2"))


def _wrapper_source(package: str) -> str:
    with zipfile.ZipFile(package) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".wrapper.cpp"))
        return archive.read(name).decode()


@pytest.mark.slow
def test_short_attention_runs_in_inductor_kernels_with_eagers_outputs(tmp_path):
    target = _convert(tmp_path, "short", "aoti,aoti.sdpa_math").targets[0]
    plain, rewritten = target.result("aoti"), target.result("aoti.sdpa_math")
    assert plain.status == rewritten.status == "ok"
    assert rewritten.checks and all(check.ok for check in rewritten.checks)
    assert _wrapper_source(plain.artifact).count(FLASH_CALL) == 4  # all four attentions, flash in plain aoti
    source = _wrapper_source(rewritten.artifact)
    assert FLASH_CALL not in source and "aoti_torch_cpu_bmm_out(" in source
