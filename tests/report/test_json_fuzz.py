"""Every stage's JSON input reader, fed truncated, wrong-type and wrong-version documents: exit 2 and
one line naming the file, never a traceback, never exit 0 (a false green in CI)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from migrate.cli import main

DATA = Path(__file__).parent / "data"
OPTION = {"scan": "--scan-json", "fix": "--fix-json", "convert": "--convert-json"}


def _sample(stage: str) -> dict:
    return json.loads((DATA / f"{stage}.json").read_text())


def _mutations(stage: str):
    good = _sample(stage)
    text = json.dumps(good)
    yield "truncated", text[: len(text) // 2]
    yield "empty", ""
    yield "null", "null"
    yield "list", "[]"
    yield "string", '"findings"'
    yield "version-99", json.dumps({**good, "schema_version": 99})
    yield "version-string", json.dumps({**good, "schema_version": "1"})
    yield "version-missing", json.dumps({k: v for k, v in good.items() if k != "schema_version"})
    key = {"scan": "findings", "fix": "files", "convert": "targets"}[stage]
    yield f"{key}-string", json.dumps({**good, key: "x"})
    yield f"{key}-object", json.dumps({**good, key: {}})
    yield f"{key}-item-number", json.dumps({**good, key: [1]})
    first = copy.deepcopy(good[key][0])
    wrong = {"scan": ("line", "3"), "fix": ("path", 7), "convert": ("name", None)}[stage]
    first[wrong[0]] = wrong[1]
    yield f"{key}-field-type", json.dumps({**good, key: [first]})
    yield "deep", "[" * 100_000 + "]" * 100_000


CASES = [(stage, name, text) for stage in OPTION for name, text in _mutations(stage)]


@pytest.mark.parametrize("stage, name, text", CASES, ids=[f"{s}-{n}" for s, n, _ in CASES])
def test_bad_json_input_is_exit_2_and_one_line(tmp_path, capsys, stage, name, text):
    path = tmp_path / f"{stage}.json"
    path.write_text(text)
    code = main(["report", OPTION[stage], str(path), "--out", str(tmp_path / "out"), "--exit-zero"])
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert code == 2, captured
    assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in captured.err, captured.err
    assert not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize("stage", list(OPTION))
def test_the_samples_still_read(tmp_path, stage):
    assert main(["report", OPTION[stage], str(DATA / f"{stage}.json"), "--out", str(tmp_path), "--exit-zero"]) == 0
