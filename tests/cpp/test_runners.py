"""Both C++ runners, built from cpp_reference/: parity with eager, errors, the build cache, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import torch

from migrate.cli import main
from migrate.cpp.build import build_runners, default_source_dir
from migrate.cpp.runner import run_archive
from migrate.cpp.tensor_file import read_tensors, write_tensors

pytestmark = pytest.mark.slow


def _max_abs_error(expected, actual) -> float:
    expected = [t for t in torch.utils._pytree.tree_leaves(expected)]
    assert len(expected) == len(actual)
    return max((e - a).abs().max().item() for e, a in zip(expected, actual))


def test_build_is_cached(runners):
    again = build_runners()
    assert again.ok and again.cached and again.build_dir == runners.build_dir
    assert default_source_dir() not in again.build_dir.parents  # the build lives outside the sources
    for path in again.runners.values():
        assert os.access(path, os.X_OK)


@pytest.mark.parametrize("name", ["MyCell", "SimpleCNN"])
@pytest.mark.parametrize("kind", ["script", "trace", "aoti"])
def test_parity_with_eager_on_every_check_input(runners, artifacts, models, name, kind):
    module, example, checks = models(name)
    for args in [example, *checks]:
        result = run_archive(artifacts[name][kind], list(args), warmup=2, iters=3, build=runners)
        assert result.status == "ok", result.error
        assert result.runner == ("aoti" if kind == "aoti" else "torchscript")
        with torch.no_grad():
            assert _max_abs_error(module(*args), result.outputs) <= 1e-5
        assert result.runs == 3 and result.median_ms > 0 and result.load_ms > 0 and result.threads == 1


def test_every_dtype_and_shape_survives_the_cpp_reader_and_writer(runners, tmp_path):
    class Echo(torch.nn.Module):
        def forward(self, a, b, c, d, e, f, g, flag: bool):
            return (a, [b, c]), {"d": d, "e": e, "f": f, "g": g, "flag": flag}

    archive = tmp_path / "echo.pt"
    torch.jit.script(Echo()).save(str(archive))
    inputs = [torch.randn(2, 3), torch.randn(()).double(), torch.arange(5), torch.tensor([[1, 2]], dtype=torch.int32),
              torch.tensor([True, False]), torch.empty(0, 3), torch.randn(2).bfloat16(), torch.tensor(True)]
    result = run_archive(archive, inputs, warmup=0, iters=1, build=runners)
    assert result.status == "ok", result.error
    assert len(result.outputs) == len(inputs)  # the bool argument came back as a 0-d bool tensor
    for sent, got in zip(inputs, result.outputs):
        assert got.dtype == sent.dtype and got.shape == sent.shape and torch.equal(got, sent)


def test_seed_makes_cpp_sampling_draw_what_python_draws(runners, tmp_path):
    class Sampler(torch.nn.Module):
        def forward(self, probs):
            return torch.multinomial(probs, 8, replacement=True)

    archive = tmp_path / "sampler.pt"
    torch.jit.script(Sampler()).save(str(archive))
    probs = torch.rand(4, 50)
    torch.manual_seed(7)
    expected = Sampler()(probs)
    result = run_archive(archive, [probs], warmup=2, iters=2, build=runners, seed=7)
    assert result.status == "ok", result.error
    assert torch.equal(result.outputs[0], expected)
    unseeded = run_archive(archive, [probs], warmup=0, iters=1, build=runners)
    assert not torch.equal(unseeded.outputs[0], expected)


def test_archive_the_runner_cannot_load(runners, tmp_path):
    broken = tmp_path / "broken.pt"
    broken.write_bytes(b"this is not a zip archive")
    result = run_archive(broken, [torch.ones(1)], build=runners)
    assert result.status == "failed" and result.stage == "load"
    assert str(broken) in result.error and "cannot load" in result.error
    as_package = run_archive(broken, [torch.ones(1)], runner="aoti", build=runners)
    assert as_package.status == "failed" and as_package.stage == "load"


def test_a_runner_past_its_timeout_is_stopped(runners, artifacts, models):
    _, example, _ = models("SimpleCNN")
    result = run_archive(artifacts["SimpleCNN"]["script"], list(example), iters=10**7, timeout_s=1, build=runners)
    assert (result.status, result.stage) == ("timeout", "timeout") and "did not finish in 1 s" in result.error


def test_missing_archive(runners, tmp_path):
    result = run_archive(tmp_path / "absent.pt2", [torch.ones(1)], build=runners)
    assert (result.status, result.stage) == ("failed", "archive") and "no such archive" in result.error


@pytest.mark.parametrize(
    "bad_inputs, message",
    [
        pytest.param([torch.rand(5, 4), torch.rand(5, 4)], "unmatched dim value", id="shape"),
        pytest.param([torch.rand(3, 4).double(), torch.rand(3, 4)], "unmatched dtype", id="dtype"),
        pytest.param([torch.rand(3, 4)], "expected inputs vector size to be 2", id="count"),
    ],
)
def test_wrong_inputs_for_an_aoti_package_fail_cleanly(runners, artifacts, bad_inputs, message):
    result = run_archive(artifacts["MyCell"]["aoti"], bad_inputs, warmup=0, iters=1, build=runners)
    assert (result.status, result.stage) == ("failed", "run") and message in result.error


def test_wrong_inputs_for_a_torchscript_archive_fail_cleanly(runners, artifacts):
    result = run_archive(artifacts["SimpleCNN"]["script"], [torch.rand(1, 5, 8, 8)], build=runners)
    assert (result.status, result.stage) == ("failed", "run") and "run failed" in result.error


def test_malformed_input_file_exits_non_zero_with_a_json_line(runners, artifacts, tmp_path):
    bad = tmp_path / "bad.tensors"
    write_tensors(bad, [torch.ones(2, 2)])
    bad.write_bytes(bad.read_bytes()[:-5])
    for kind in ("script", "aoti"):
        runner = runners.runners["aoti" if kind == "aoti" else "torchscript"]
        done = subprocess.run([str(runner), str(artifacts["MyCell"][kind]), "--inputs", str(bad)],
                              capture_output=True, text=True)
        assert done.returncode == 3
        line = json.loads(done.stdout.strip().splitlines()[-1])
        assert line["error"] == "inputs" and "file ends inside tensor data" in line["message"]
        assert str(bad) in done.stderr
    result = run_archive(artifacts["MyCell"]["script"], bad, build=runners)
    assert (result.status, result.stage) == ("failed", "inputs")


def test_runner_usage_errors(runners):
    done = subprocess.run([str(runners.runners["torchscript"]), "model.pt", "--inputs", "x", "--iters", "zero"],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "--iters needs an integer" in done.stderr


def test_missing_cmake_skips_instead_of_crashing(tmp_path, monkeypatch, artifacts):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = build_runners(cache_root=tmp_path / "cache")
    assert not result.ok and "cmake not found on PATH" in result.error
    run = run_archive(artifacts["MyCell"]["script"], [torch.ones(3, 4)] * 2, build=result)
    assert (run.status, run.stage) == ("skipped", "build") and "cmake not found" in run.error
    assert main(["cpp", "build", "--cache-dir", str(tmp_path / "cache")]) == 1


def test_failed_build_reports_the_compiler_error(tmp_path):
    sources = tmp_path / "src"
    shutil.copytree(default_source_dir(), sources)
    shared = sources / "bench.h"  # included first by both runners; a missing include stops g++ at once
    shared.write_text('#include "deliberately_missing.h"\n' + shared.read_text())
    result = build_runners(source_dir=sources, cache_root=tmp_path / "cache")
    assert not result.ok and "cmake build failed" in result.error and "deliberately_missing.h" in result.error
    assert result.log_path.is_file()
    again = build_runners(source_dir=sources, cache_root=tmp_path / "cache")  # not retried: quick, same reason
    assert not again.ok and "an earlier build failed" in again.error and "deliberately_missing.h" in again.error
    retried = build_runners(source_dir=sources, cache_root=tmp_path / "cache", retry_failed=True)
    assert not retried.ok and "earlier" not in retried.error and "deliberately_missing.h" in retried.error


def test_cli_run_with_tensor_file_and_with_torch_save(runners, artifacts, models, tmp_path, capsys):
    module, example, _ = models("MyCell")
    tensors, saved, out = tmp_path / "in.tensors", tmp_path / "in.pt", tmp_path / "out.tensors"
    write_tensors(tensors, list(example))
    torch.save(example, saved)
    archive = str(artifacts["MyCell"]["aoti"])
    assert main(["cpp", "run", archive, "--inputs", str(tensors), "--outputs", str(out), "--iters", "5"]) == 0
    assert "aoti runner" in capsys.readouterr().out
    with torch.no_grad():
        assert _max_abs_error(module(*example), read_tensors(out)) <= 1e-5
    assert main(["cpp", "run", archive, "--inputs", str(saved), "--iters", "5", "--json"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["status"] == "ok" and line["runs"] == 5 and line["outputs"][0]["shape"] == [3, 4]
    assert main(["cpp", "run", str(tmp_path / "nope.pt"), "--inputs", str(tensors)]) == 2
    assert "no such archive" in capsys.readouterr().err
    assert main(["cpp", "run", archive, "--inputs", str(tmp_path / "missing.tensors")]) == 2
    assert main(["cpp", "run", archive, "--inputs", str(tensors), "--threads", "0"]) == 2


def test_cli_usage_errors(capsys):
    assert main(["cpp"]) == 2
    assert main(["cpp", "run", "model.pt"]) == 2  # --inputs is required
    assert "--inputs" in capsys.readouterr().err


def test_cli_build_prints_the_runners(runners, capsys):
    assert main(["cpp", "build"]) == 0
    out = capsys.readouterr().out
    assert "cached build" in out and str(runners.runners["aoti"]) in out
