"""Killing a run loses nothing: no process of the run survives it, no file changes after it, every file
is either as it was or fully rewritten, and no temporary file is left.

Linux only (processes are found through /proc, by a marker in their environment).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")

SOURCE = textwrap.dedent("""\
    from typing import Dict, List

    import torch


    def collect{n}(x):
        out = torch.jit.annotate(List[torch.Tensor], [])
        table = torch.jit.annotate(Dict[str, int], {{}})
        out.append(x)
        return out, table, torch.jit.annotate(List[int], [])
    """)
FILES = 300


def _tree(root: Path) -> dict[Path, bytes]:
    for i in range(FILES):
        folder = root / f"pkg{i % 20}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"mod{i}.py").write_text(SOURCE.format(n=i) + "\n" * (i % 7))
    return _snapshot(root)


def _snapshot(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                environ = (entry / "environ").read_bytes()
            except OSError:
                continue
            if f"MIGRATE_TEST_RUN={marker}".encode() in environ.split(b"\0"):
                found.append(int(entry.name))
    return found


def _start(argv: list[str], marker: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "MIGRATE_TEST_RUN": marker}
    return subprocess.Popen([sys.executable, "-m", "migrate", *argv], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, **kwargs)


def _wait_gone(marker: str, seconds: float = 10.0) -> list[int]:
    deadline = time.monotonic() + seconds
    while (alive := _processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive


def _check_tree(root: Path, before: dict[Path, bytes]) -> int:
    after = _snapshot(root)
    assert set(after) == set(before), f"files appeared or vanished: {set(after) ^ set(before)}"
    for path, data in after.items():
        compile(data, str(path), "exec")  # as it was, or the whole rewrite: never half-written
    return sum(after[p] != before[p] for p in after)


@pytest.fixture(scope="module")
def full_run_seconds(tmp_path_factory) -> float:
    root = tmp_path_factory.mktemp("calibrate")
    _tree(root)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "migrate", "fix", str(root), "--apply", "--no-cache"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr  # changes made
    return time.monotonic() - started


@pytest.mark.parametrize("how, fraction", [
    ("SIGKILL", 0.2), ("SIGKILL", 0.5), ("SIGKILL", 0.8), ("SIGTERM", 0.5), ("SIGINT", 0.6),
])
def test_fix_apply_killed_at_any_point(tmp_path, full_run_seconds, fraction, how):
    before = _tree(tmp_path)
    marker = uuid.uuid4().hex
    process = _start(["fix", str(tmp_path), "--apply", "--no-cache", "--jobs", "2"], marker)
    time.sleep(full_run_seconds * fraction)
    process.send_signal(getattr(signal, how))
    process.wait(timeout=60)
    assert _wait_gone(marker) == [], "a worker process outlived the run"
    changed = _check_tree(tmp_path, before)
    time.sleep(1.0)
    assert _check_tree(tmp_path, before) == changed, "files changed after the run was killed"
    assert not list(tmp_path.rglob(".migrate-*.tmp")), "a temporary file was left"
    if how != "SIGKILL":
        assert b"Traceback" not in process.stderr.read()


def test_convert_worker_goes_with_a_terminated_migrate(tmp_path):
    targets = tmp_path / "slow_targets.py"
    targets.write_text(textwrap.dedent("""\
        import time
        import migrate

        @migrate.target(name="Slow")
        def slow():
            time.sleep(120)
        """))
    marker = uuid.uuid4().hex
    process = _start(["convert", str(targets), "--strategies", "eager", "--artifacts", str(tmp_path / "art")],
                     marker, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while len(_processes_with(marker)) < 2 and time.monotonic() < deadline:  # migrate and its worker
        time.sleep(0.1)
    assert len(_processes_with(marker)) >= 2, "the worker did not start"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert _wait_gone(marker) == [], "the convert worker outlived migrate"


def test_convert_worker_goes_with_a_killed_migrate(tmp_path):
    targets = tmp_path / "slow_targets.py"
    targets.write_text("import time\nimport migrate\n\n@migrate.target(name='Slow')\ndef slow():\n    time.sleep(120)\n")
    marker = uuid.uuid4().hex
    process = _start(["convert", str(targets), "--strategies", "eager", "--artifacts", str(tmp_path / "art")],
                     marker, cwd=tmp_path)
    deadline = time.monotonic() + 60
    while len(_processes_with(marker)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    process.kill()
    process.wait(timeout=30)
    assert _wait_gone(marker) == [], "the convert worker outlived migrate"
