"""Recording helpers: run a command under ``migrate record`` through the CLI and read its captures."""

import json
import sys
from pathlib import Path

import pytest

from migrate.cli import main

ROOT = Path(__file__).parents[2]
SCRIPTS = ROOT / "fixtures" / "record"


def captures(folder: Path) -> dict:
    """name -> metadata of every capture in ``folder``."""
    found = {}
    for path in sorted(Path(folder).glob("*.capture.json")):
        meta = json.loads(path.read_text())
        found[meta["name"]] = meta
    return found


@pytest.fixture
def record(tmp_path, capfd):
    """``record(*command)`` -> (exit code, stdout, stderr, captures folder)."""

    def run(*command, out=None, options=()):
        out = Path(out or tmp_path / "captures")
        capfd.readouterr()
        code = main(["record", "--out", str(out), *options, "--", *map(str, command)])
        printed = capfd.readouterr()
        return code, printed.out, printed.err, out

    return run


@pytest.fixture
def python():
    return sys.executable
