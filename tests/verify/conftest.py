"""A copy of fixtures/verify/behaviour per test module, and what a tree looks like byte for byte."""

import hashlib
import os
import shutil
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "verify" / "behaviour"
# few strategies and short timing: the conversions are not what these tests are about
FAST = ["--strategies", "export", "--min-run-time", "0.01"]


def snapshot(root: Path) -> dict:
    """Every file's SHA-256 and mtime, every folder's mtime: what "unchanged" means."""
    state = {}
    for folder, dirs, files in os.walk(root):
        stat = os.stat(folder)
        state[os.path.relpath(folder, root) + "/"] = stat.st_mtime_ns
        for name in files:
            path = Path(folder, name)
            state[str(path.relative_to(root))] = (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
    return state


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("tree") / "behaviour"
    shutil.copytree(FIXTURE, root)
    return root
