"""Nothing lost: compile check, atomic writes keeping mode/encoding/BOM/CRLF, changed-on-disk files,
untouched files, symlinks, idempotence."""

from __future__ import annotations

import os
import stat

import pytest

from migrate.fix import apply, fix_source, suggest
from migrate.fix.writeback import WriteError, read_source, write_atomic
from migrate.scan.model import ScanConfig

CONFIG = ScanConfig(cache_dir="", jobs=1)
SAFE = "import torch\n\n\n@torch.jit.script\ndef f(x):\n    return torch.relu(x) + 1\n"
SAFE_FIXED = "import torch\n\n\ndef f(x):\n    return torch.relu(x) + 1\n"


def _write(path, data: bytes, mode=None):
    path.write_bytes(data)
    if mode is not None:
        os.chmod(path, mode)
    return path


def test_a_rewrite_that_would_not_compile_leaves_the_file_untouched_and_is_reported(tmp_path):
    # libcst parses a module-level `return`; compile() refuses it, so the file must stay as it is.
    source = "import torch\n\nreturn torch.jit.annotate(int, 1)\n"
    outcome = fix_source(source, "bad.py")
    assert outcome.new_text is None and outcome.rejected
    assert "would not compile" in outcome.error and "left untouched" in outcome.error
    assert [m.rule for m in outcome.manual] == ["TS305"]
    path = _write(tmp_path / "bad.py", source.encode())
    result = apply([str(tmp_path)], CONFIG)
    assert path.read_text() == source and not result.files
    assert [e.path for e in result.errors] == ["bad.py"] and result.errors[0].blocking


def test_apply_writes_safe_rewrites_only_and_keeps_mode(tmp_path):
    path = _write(tmp_path / "m.py", (SAFE + "y = torch.jit.freeze(model)\n").encode(), mode=0o751)
    result = apply([str(tmp_path)], CONFIG)  # unsafe=False by default
    assert path.read_text() == SAFE_FIXED + "y = torch.jit.freeze(model)\n"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o751
    assert result.summary()["by_rule"] == {"TS101": 1}
    skipped = [m for m in result.manual if m.rule == "TS203"]
    assert skipped and skipped[0].reason.startswith("unsafe rewrite not applied")
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".migrate-")]  # no temporary file left


def test_apply_twice_changes_nothing_the_second_time(tmp_path):
    _write(tmp_path / "m.py", (SAFE + "y = torch.jit.freeze(model)\n").encode())
    first = apply([str(tmp_path)], CONFIG, unsafe=True)
    content = (tmp_path / "m.py").read_bytes()
    second = apply([str(tmp_path)], CONFIG, unsafe=True)
    assert first.files and not second.files
    assert (tmp_path / "m.py").read_bytes() == content


@pytest.mark.parametrize("name,data,expected", [
    ("crlf.py", SAFE.replace("\n", "\r\n").encode(), SAFE_FIXED.replace("\n", "\r\n").encode()),
    ("bom.py", b"\xef\xbb\xbf" + SAFE.encode(), b"\xef\xbb\xbf" + SAFE_FIXED.encode()),
    ("latin1.py", ("# -*- coding: latin-1 -*-\n# caf\u00e9\n" + SAFE).encode("latin-1"),
     ("# -*- coding: latin-1 -*-\n# caf\u00e9\n" + SAFE_FIXED).encode("latin-1")),
])
def test_encoding_bom_and_line_endings_are_kept(tmp_path, name, data, expected):
    path = _write(tmp_path / name, data)
    apply([str(path)], CONFIG, root=str(tmp_path))
    assert path.read_bytes() == expected


def test_files_without_rewrites_are_never_written(tmp_path):
    clean = _write(tmp_path / "clean.py", b"import torch\nx = torch.ones(2)\n")
    manual_only = _write(tmp_path / "manual.py", b"import torch\nclass A(torch.jit.ScriptModule):\n    pass\n")
    before = {p: os.stat(p) for p in (clean, manual_only)}
    result = apply([str(tmp_path)], CONFIG, unsafe=True)
    assert not result.files and [m.rule for m in result.manual] == ["TS105"]
    for path, st in before.items():
        after = os.stat(path)
        assert (after.st_ino, after.st_mtime_ns) == (st.st_ino, st.st_mtime_ns)


def test_a_file_changed_on_disk_after_reading_is_not_overwritten(tmp_path):
    path = _write(tmp_path / "m.py", SAFE.encode())
    source = read_source(str(path))
    path.write_text(SAFE + "# edited meanwhile\n")
    with pytest.raises(WriteError, match="changed on disk"):
        write_atomic(source, SAFE_FIXED)
    assert path.read_text() == SAFE + "# edited meanwhile\n"


def test_a_symlink_is_kept_and_its_target_rewritten(tmp_path):
    target = _write(tmp_path / "real.py", SAFE.encode())
    link = tmp_path / "link.py"
    link.symlink_to(target)
    apply([str(link)], CONFIG, root=str(tmp_path))
    assert link.is_symlink() and target.read_text() == SAFE_FIXED


def test_a_text_the_encoding_cannot_hold_is_not_written(tmp_path):
    path = _write(tmp_path / "ascii.py", b"# -*- coding: ascii -*-\n" + SAFE.encode())
    source = read_source(str(path))
    with pytest.raises(WriteError, match="encoding"):
        write_atomic(source, "# -*- coding: ascii -*-\nx = '\u00e9'\n")
    assert path.read_bytes() == b"# -*- coding: ascii -*-\n" + SAFE.encode()


def test_suggest_writes_nothing_and_reports_bad_files(tmp_path):
    path = _write(tmp_path / "m.py", SAFE.encode())
    _write(tmp_path / "broken.py", b"import torch\ntorch.jit.script(\n")
    result = suggest([str(tmp_path)], CONFIG)
    assert path.read_text() == SAFE
    assert [f.path for f in result.files] == ["m.py"]
    assert [e.path for e in result.errors] == ["broken.py"] and "syntax error" in result.errors[0].reason
