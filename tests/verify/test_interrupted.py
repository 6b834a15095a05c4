"""Ctrl-C or SIGTERM in the middle of `migrate verify`: the user's tree as it was, the scratch copy gone."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.verify.conftest import FAST, snapshot

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupted_verify_leaves_the_tree_unchanged_and_no_scratch(tree, tmp_path, signum, code):
    before = snapshot(tree)
    scratch_parent = tmp_path / "tmp"
    scratch_parent.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(scratch_parent)}
    process = subprocess.Popen([sys.executable, "-m", "migrate", "verify", str(tree), "--targets", str(tree / "models.py"),
                                *FAST], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    line = process.stderr.readline()  # "verify: before": the copy is made and rewritten, convert runs
    assert "verify: before" in line, line + process.stderr.read()
    time.sleep(2)  # a worker is converting now
    assert any(scratch_parent.iterdir()), "the scratch copy should exist mid-run"
    process.send_signal(signum)
    try:
        process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == code
    assert snapshot(tree) == before
    assert list(scratch_parent.iterdir()) == []  # the scratch copy was removed
