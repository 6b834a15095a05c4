"""The tensor file format from Python, the build cache key, tool discovery and result parsing (no build)."""

from __future__ import annotations

import struct

import pytest
import torch

from migrate.cpp.build import cache_key, find_tools
import subprocess

from migrate.cpp.runner import _result_from_process, parse_result_line, runner_for, runner_inputs
from migrate.cpp.tensor_file import MAGIC, TensorFileError, decode, encode, read_tensors, write_tensors

SAMPLES = [
    torch.randn(2, 3),
    torch.randn(()).double(),  # 0-d
    torch.arange(-3, 3),  # int64
    torch.tensor([[1, 2, 3]], dtype=torch.int32),
    torch.tensor([True, False, True]),
    torch.tensor(False),
    torch.empty(0, 4),  # no elements
    torch.randn(4, 5).t(),  # not contiguous
    torch.randn(3).half(),
    torch.randn(3).bfloat16(),
    torch.tensor([0, 255], dtype=torch.uint8),
    torch.tensor([-128, 127], dtype=torch.int8),
    torch.tensor([-7, 7], dtype=torch.int16),
]


def test_round_trip_keeps_dtype_shape_and_values(tmp_path):
    path = tmp_path / "in.tensors"
    write_tensors(path, SAMPLES)
    back = read_tensors(path)
    assert len(back) == len(SAMPLES)
    for original, read in zip(SAMPLES, back):
        assert read.dtype == original.dtype
        assert read.shape == original.shape
        assert torch.equal(read, original)


def test_empty_list_round_trips():
    assert decode(encode([])) == []


def test_layout_is_the_documented_one():
    data = encode([torch.tensor([1, 2], dtype=torch.int32)])
    assert data[:8] == MAGIC
    assert struct.unpack("<II", data[8:16]) == (1, 1)  # version, count
    assert struct.unpack("<BBH", data[16:20]) == (4, 1, 0)  # int32, 1 dim, padding
    assert struct.unpack("<qQ", data[20:36]) == (2, 8)  # dims, nbytes
    assert data[36:] == struct.pack("<ii", 1, 2)


def _one_float(**overrides) -> bytes:
    """A valid file with one float32 [2] tensor, fields replaceable to break it."""
    f = {"magic": MAGIC, "version": 1, "count": 1, "dtype": 8, "ndim": 1, "pad": 0, "dims": (2,), "nbytes": 8,
         "data": struct.pack("<ff", 1.0, 2.0), "tail": b""}
    f.update(overrides)
    return (struct.pack("<8sII", f["magic"], f["version"], f["count"])
            + struct.pack("<BBH", f["dtype"], f["ndim"], f["pad"])
            + struct.pack(f"<{len(f['dims'])}q", *f["dims"]) + struct.pack("<Q", f["nbytes"]) + f["data"] + f["tail"])


def test_the_helper_builds_a_valid_file():
    assert torch.equal(decode(_one_float())[0], torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize(
    "data, reason",
    [
        pytest.param(b"", "magic", id="empty"),
        pytest.param(b"PK\x03\x04 a zip, not ours", "magic", id="torch.save-file"),
        pytest.param(_one_float(version=2), "unsupported version 2", id="version"),
        pytest.param(_one_float(count=2), "file ends inside dtype", id="count-too-high"),
        pytest.param(_one_float(count=10**6), "over the limit", id="count-over-limit"),
        pytest.param(_one_float(dtype=42), "unknown dtype code 42", id="dtype"),
        pytest.param(_one_float(ndim=17, dims=(1,) * 17), "at most 16", id="too-many-dims"),
        pytest.param(_one_float(pad=1), "padding", id="padding"),
        pytest.param(_one_float(dims=(-2,)), "negative dimension", id="negative-dim"),
        pytest.param(_one_float(nbytes=12), "does not match", id="nbytes"),
        pytest.param(_one_float()[:-3], "file ends inside tensor data", id="truncated-data"),
        pytest.param(_one_float()[:22], "file ends inside dims", id="truncated-dims"),
        pytest.param(_one_float(tail=b"\0"), "1 unexpected bytes after the last tensor", id="trailing"),
        pytest.param(_one_float(dtype=0, dims=(2,), nbytes=2, data=b"\x01\x02"), "bool byte", id="bool-byte"),
    ],
)
def test_malformed_files_raise_a_clear_error(tmp_path, data, reason):
    path = tmp_path / "bad.tensors"
    path.write_bytes(data)
    with pytest.raises(TensorFileError, match=reason) as error:
        read_tensors(path)
    assert str(path) in str(error.value) and "invalid tensor file at byte" in str(error.value)


def test_missing_file_is_a_tensor_file_error(tmp_path):
    with pytest.raises(TensorFileError, match="cannot read"):
        read_tensors(tmp_path / "nothing.tensors")


def test_unsupported_dtype_and_non_tensor_are_refused():
    with pytest.raises(TensorFileError, match="complex64"):
        encode([torch.zeros(2, dtype=torch.complex64)])
    with pytest.raises(TensorFileError, match="not a tensor"):
        encode([1.0])


def test_cache_key_follows_sources_and_torch():
    sources = {"CMakeLists.txt": b"project(x)", "runner.cpp": b"int main() {}"}
    key = cache_key(sources, "2.13.0", "/site/torch")
    assert key == cache_key(dict(reversed(list(sources.items()))), "2.13.0", "/site/torch")
    assert key != cache_key({**sources, "runner.cpp": b"int main() { return 1; }"}, "2.13.0", "/site/torch")
    assert key != cache_key(sources, "2.14.0", "/site/torch")
    assert key != cache_key(sources, "2.13.0", "/other/torch")


def test_find_tools_names_what_is_missing(tmp_path):
    assert find_tools({"PATH": str(tmp_path)})[2].startswith("cmake not found on PATH")
    (tmp_path / "cmake").symlink_to(find_tools()[0])
    cmake, compiler, problem = find_tools({"PATH": str(tmp_path)})
    assert cmake and compiler is None and "no C++ compiler" in problem


def test_runner_for_and_runner_inputs():
    assert runner_for("model.pt2") == "aoti" and runner_for("model.pt") == "torchscript"
    x = torch.ones(2)
    as_torchscript = runner_inputs((x, True, None, 3), "torchscript")
    assert [t.dtype for t in as_torchscript] == [torch.float32, torch.bool, torch.int64]
    assert len(runner_inputs((x, True, None, 3), "aoti")) == 1  # AOTInductor takes tensor leaves only
    with pytest.raises(TypeError, match="str"):
        runner_inputs((x, "text"), "torchscript")


def test_parse_result_line_takes_the_last_json_object():
    stdout = 'warning: something\n{"runner": "aoti", "median_ms": 1}\nnot json {\n'
    assert parse_result_line(stdout) == {"runner": "aoti", "median_ms": 1}
    assert parse_result_line("no result\n") is None


def test_a_runner_killed_by_a_signal_is_crashed_not_an_exception(tmp_path):
    done = subprocess.CompletedProcess([], -11, stdout="", stderr="Segmentation fault\n")
    result = _result_from_process(done, tmp_path / "none", {"runner": "aoti", "archive": "m.pt2"})
    assert (result.status, result.stage) == ("crashed", "crash") and "SIGSEGV" in result.error


def test_a_runner_without_a_result_line_failed(tmp_path):
    done = subprocess.CompletedProcess([], 1, stdout="", stderr="terminate called after throwing\n")
    result = _result_from_process(done, tmp_path / "none", {"runner": "aoti", "archive": "m.pt2"})
    assert result.status == "failed" and "without a result line" in result.error and "terminate" in result.error
