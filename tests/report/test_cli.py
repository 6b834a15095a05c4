"""``migrate report`` through ``main(argv)``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.cli import main

DATA = Path(__file__).parent / "data"
FROM_JSON = ["--scan-json", str(DATA / "scan.json"), "--fix-json", str(DATA / "fix.json"),
             "--convert-json", str(DATA / "convert.json")]


def test_writes_the_three_files_and_a_summary(tmp_path, capsys):
    out = tmp_path / "rep"
    assert main(["report", str(DATA / "project"), *FROM_JSON, "--out", str(out), "--title", "Demo"]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "report.json", "report.md"]
    text = capsys.readouterr().out
    assert "Readiness 46\u202f%" in text and "3 targets: 1 exports cleanly" in text
    assert "wrap_rnn" in text and "still needs TorchScript" in text and str(out / "index.html") in text
    assert "<title>Demo</title>" in (out / "index.html").read_text()
    data = json.loads((out / "report.json").read_text())
    assert data["findings"][0]["path"] == "cells.py" and data["inputs"]["scan"].startswith("read from")


def test_exit_zero(tmp_path):
    assert main(["report", *FROM_JSON, "--out", str(tmp_path), "--exit-zero"]) == 0


def test_clean_inputs_exit_zero(tmp_path):
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps({"schema_version": 1, "findings": [], "errors": []}))
    assert main(["report", "--scan-json", str(scan), "--out", str(tmp_path / "r")]) == 0


def test_usage_errors(tmp_path, capsys):
    assert main(["report"]) == 2
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_unusable_input_is_a_usage_error_before_any_work(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    out = tmp_path / "r"
    argv = ["report", str(DATA / "project"), "--convert-json", str(bad), "--scan-json", str(DATA / "scan.json")]
    assert main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"convert: {bad}: not valid JSON" in err and "Traceback" not in err
    assert not (out / "report.md").exists(), "no report is built on an input that cannot be used"


@pytest.mark.parametrize("where", ["file", "unwritable"])
def test_an_out_folder_that_cannot_be_written_is_found_first(tmp_path, capsys, where, monkeypatch):
    taken = tmp_path / "taken"
    taken.write_text("a file, not a folder")
    target, reason = (taken, "exists and is not a folder") if where == "file" else (taken / "r", "cannot write there")
    called = []
    monkeypatch.setattr("migrate.report.inputs._call_scan", lambda path: called.append(path))
    assert main(["report", str(DATA / "project"), "--no-fix", "--out", str(target)]) == 2
    assert reason in capsys.readouterr().err and called == [], "the scan never ran"


def test_default_out_folder_is_named_after_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(DATA / "project"), "--scan-json", str(DATA / "scan.json"), "--no-fix"]) == 1
    assert (tmp_path / "reports" / "project" / "index.html").exists()
