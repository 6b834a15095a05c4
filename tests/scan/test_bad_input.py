"""Odd input never crashes a scan: each file is scanned or listed under `errors` with a reason."""

import os

import pytest

from migrate.scan import ScanConfig, scan

JIT = b"import torch\nm = torch.jit.script(model)\n"


def _scan(tmp_path, **kwargs):
    return scan([str(tmp_path)], ScanConfig(cache_dir="", **kwargs))


def _by_path(result):
    return {f.path for f in result.findings}, {e.path: e.reason for e in result.errors}


def write(path, data: bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("name,data,expect", [
    ("syntax.py", b"import torch\ntorch.jit.script(\n", "syntax error"),
    ("py2.py", b"import torch\nprint 'hello'\nm = torch.jit.script(x)\n", "Python 2"),
    ("unknown_cookie.py", b"# -*- coding: klingon -*-\nimport torch\ntorch.jit.script(m)\n", "encoding"),
    ("bad_bytes.py", b"import torch\ns = '\xff\xfe\xfa'\ntorch.jit.script(m)\n", "not valid utf-8"),
    ("nul.py", b"import torch\x00\ntorch.jit.script(m)\n", "NUL"),
    ("bom_mismatch.py", b"\xef\xbb\xbf# coding: latin-1\nimport torch\ntorch.jit.script(m)\n", "encoding"),
    ("utf16.py", "import torch\ntorch.jit.script(m)\n".encode("utf-16"), "NUL"),
])
def test_unreadable_python_is_an_error_with_a_reason(tmp_path, name, data, expect):
    write(tmp_path / name, data)
    write(tmp_path / "good.py", JIT)
    found, errors = _by_path(_scan(tmp_path))
    assert found == {"good.py"}, "the rest of the run goes on"
    assert expect.lower() in errors[name].lower(), errors


@pytest.mark.parametrize("name,data,line", [
    ("bom.py", b"\xef\xbb\xbfimport torch\nm = torch.jit.script(x)\n", 2),
    ("crlf.py", b"import torch\r\n\r\nm = torch.jit.script(x)\r\n", 3),
    ("cr_only.py", b"import torch\r\rm = torch.jit.script(x)\r", 3),
    ("latin1.py", b"# -*- coding: latin-1 -*-\nimport torch\ns = '\xe9'\nm = torch.jit.script(x)\n", 4),
    ("formfeed.py", b"import torch\n\x0c\nm = torch.jit.script(x)\n", 3),
    ("no_newline.py", b"import torch\nm = torch.jit.script(x)", 2),
    ("newer_syntax.py", b"import torch\ntype Alias = list[int]\ndef f[T](x: T) -> T:\n    return torch.jit.script(x)\n", 4),
    ("match.py", b"import torch\nmatch x:\n    case [a, *rest]:\n        torch.jit.script(a)\n", 4),
])
def test_unusual_but_valid_python_is_scanned(tmp_path, name, data, line):
    write(tmp_path / name, data)
    result = _scan(tmp_path)
    assert result.errors == ()
    assert [(f.path, f.line, f.rule) for f in result.findings] == [(name, line, "TS101")]


def test_empty_and_whitespace_files(tmp_path):
    write(tmp_path / "empty.py", b"")
    write(tmp_path / "blank.py", b"\n\n   \n")
    write(tmp_path / "only_comment.py", b"# torch.jit.script\n")
    result = _scan(tmp_path)
    assert result.files_scanned == 3 and result.findings == () and result.errors == ()


def test_huge_generated_file_and_very_long_line(tmp_path):
    body = b"".join(b"x%d = [%s]\n" % (i, b", ".join(b"%d" % j for j in range(60))) for i in range(6000))
    write(tmp_path / "generated.py", b"import torch\n" + body + b"m = torch.jit.script(x)\n")
    assert (tmp_path / "generated.py").stat().st_size > 1_400_000
    long_line = b"data = [" + b"1, " * 74_000 + b"]\n"
    assert len(long_line) > 220_000
    write(tmp_path / "longline.py", b"import torch\n" + long_line + b"m = torch.jit.trace(x, y)\n")
    minified = b"import torch; data = [" + b"1, " * 3000 + b"]; m = torch.jit.trace(x, y)\n"
    write(tmp_path / "minified.py", minified)
    result = _scan(tmp_path)
    assert result.errors == ()
    assert [(f.path, f.line, f.column) for f in result.findings] == [
        ("generated.py", 6002, 5), ("longline.py", 3, 5),
        ("minified.py", 1, len(minified) - len(b"torch.jit.trace(x, y)\n") + 1)]


def test_deeply_nested_expression_is_reported_not_crashing(tmp_path):
    write(tmp_path / "deep.py", b"import torch\nx = " + b"(" * 5000 + b"1" + b")" * 5000 + b"\ntorch.jit.script(m)\n")
    write(tmp_path / "good.py", JIT)
    found, errors = _by_path(_scan(tmp_path))
    assert "good.py" in found
    assert "deep.py" in found or "deep.py" in errors


@pytest.mark.parametrize("expression", [b"1" + b"+1" * 100_000, b"a" + b".b" * 100_000, b"a" + b"(1)" * 100_000])
def test_parser_crash_costs_one_file(tmp_path, expression):
    """libcst's native parser overflows its stack on 100,000-term chains: the file is an error, the run goes on."""
    write(tmp_path / "chain.py", b"import torch\nx = " + expression + b"\ntorch.jit.script(m)\n")
    for i in range(10):
        write(tmp_path / f"good{i}.py", JIT)
    found, errors = _by_path(_scan(tmp_path, jobs=2))
    assert found == {f"good{i}.py" for i in range(10)}
    assert "crashed" in errors["chain.py"] or "nested" in errors["chain.py"]


def test_file_over_the_size_limit(tmp_path):
    write(tmp_path / "big.py", JIT + b"#" * 2000)
    found, errors = _by_path(_scan(tmp_path, max_file_bytes=1000))
    assert "too large" in errors["big.py"]


def test_symlinks_files_once_loops_and_dangling(tmp_path):
    write(tmp_path / "pkg" / "a.py", JIT)
    os.symlink(tmp_path / "pkg" / "a.py", tmp_path / "link_to_a.py")
    os.symlink(tmp_path / "pkg", tmp_path / "link_to_pkg")
    os.symlink(tmp_path, tmp_path / "pkg" / "loop")  # a loop back to the root
    os.symlink(tmp_path / "missing.py", tmp_path / "dangling.py")
    result = _scan(tmp_path)
    assert result.files_scanned == 1 and len(result.findings) == 1
    assert result.findings[0].path == "pkg/a.py", "the real file, not link_to_a.py (walked first)"
    assert result.links == (("pkg/a.py", ("link_to_a.py", "link_to_pkg/a.py")),), "and it says how else it is reached"
    assert result.to_dict()["links"] == [{"path": "pkg/a.py", "also": ["link_to_a.py", "link_to_pkg/a.py"]}]
    assert {e.path: e.reason for e in result.errors} == {"dangling.py": "broken symbolic link"}


def test_a_link_to_a_file_outside_the_scanned_folder_is_reported_as_the_link(tmp_path):
    write(tmp_path / "elsewhere" / "model.py", JIT)
    write(tmp_path / "project" / "own.py", JIT)
    os.symlink(tmp_path / "elsewhere" / "model.py", tmp_path / "project" / "model.py")
    result = scan([str(tmp_path / "project")], ScanConfig(cache_dir=""))
    assert sorted(f.path for f in result.findings) == ["model.py", "own.py"]


def test_directory_named_like_a_python_file(tmp_path):
    write(tmp_path / "x.py" / "inner.py", JIT)
    result = _scan(tmp_path)
    assert [f.path for f in result.findings] == ["x.py/inner.py"] and result.errors == ()


def test_unreadable_file(tmp_path, monkeypatch):
    from migrate.scan import batch

    write(tmp_path / "secret.py", JIT)
    write(tmp_path / "good.py", JIT)
    real = batch._read

    def fake_read(path):
        if path.endswith("secret.py"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(batch, "_read", fake_read)
    found, errors = _by_path(_scan(tmp_path, jobs=1))
    assert found == {"good.py"} and errors == {"secret.py": "permission denied"}


def test_unreadable_directory_and_missing_path(tmp_path, monkeypatch):
    result = scan([str(tmp_path / "nope")], ScanConfig(cache_dir=""), root=str(tmp_path))
    assert [(e.path, e.reason) for e in result.errors] == [("nope", "no such file or directory")]

    from migrate.scan import discover

    write(tmp_path / "locked" / "a.py", JIT)
    write(tmp_path / "open" / "b.py", JIT)
    real = os.scandir

    def fake_scandir(path):  # tests run as root, where chmod 000 does not stop reading
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", path)
        return real(path)

    monkeypatch.setattr(discover.os, "scandir", fake_scandir)
    found, errors = _by_path(_scan(tmp_path))
    assert found == {"open/b.py"} and errors == {"locked": "cannot list directory: Permission denied"}


def test_fifo_and_special_files_are_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.py")
    write(tmp_path / "good.py", JIT)
    result = _scan(tmp_path)
    assert [f.path for f in result.findings] == ["good.py"]


def test_cpp_sources_with_odd_bytes(tmp_path):
    write(tmp_path / "a.cpp", b"#include <torch/script.h>\n// \xff\xfe\nauto m = torch::jit::load(p);\n")
    write(tmp_path / "b.h", b"\x00\x01binary jit")
    found, errors = _by_path(_scan(tmp_path))
    assert found == {"a.cpp"} and "NUL" in errors["b.h"]


def test_many_files_in_parallel_match_serial(tmp_path):
    for i in range(60):
        write(tmp_path / f"m{i}.py", JIT if i % 3 else b"x = 1\n")
    write(tmp_path / "bad.py", b"import torch\ntorch.jit.script(\n")
    parallel = _scan(tmp_path, jobs=2)
    serial = _scan(tmp_path, jobs=1)
    assert parallel.findings == serial.findings and len(parallel.findings) == 40
    assert parallel.errors == serial.errors and len(parallel.errors) == 1


@pytest.mark.parametrize("data, position, words", [
    pytest.param(b"import torch\ndef f(:\n    pass\nx = torch.jit.script(m)\n", "line 2, column 7", "invalid syntax",
                 id="bad-signature"),
    pytest.param(b"import torch\nm = torch.jit.script(\n", "line 2, column 21", "was never closed", id="unclosed"),
    pytest.param(b"import torch\nx = 1\n  y = 2\ntorch.jit.script(m)\n", "line 3", "unexpected indent", id="indent"),
])  # fmt: skip
def test_syntax_error_names_pythons_own_position_once(tmp_path, data, position, words):
    """libcst said 'syntax error at line 4, column 5: parser error: error at 3:4: ...' where Python says line 2."""
    write(tmp_path / "bad.py", data)
    _, errors = _by_path(_scan(tmp_path))
    reason = errors["bad.py"]
    assert reason.startswith(f"syntax error at {position}"), reason
    assert words in reason and "error at" not in reason.removeprefix("syntax error at"), reason
