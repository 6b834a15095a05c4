"""The scan cache is never trusted blindly: valid JSON of the wrong shape is a miss, not a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.scan import ScanConfig, scan

SOURCE = "import torch\nm = torch.jit.script(model)\n"


def _cache_file(cache: Path) -> Path:
    (path,) = [cache / name for name in os.listdir(cache) if name.endswith(".json")]
    return path


def _entry_replaced(document: dict, value) -> dict:
    entries = document["entries"]
    return {**document, "entries": {name: value for name in entries}}


def _finding_replaced(document: dict, **changes) -> dict:
    entries = {}
    for name, entry in document["entries"].items():
        findings = [{**f, **changes} for f in entry["findings"]]
        entries[name] = {**entry, "findings": findings}
    return {**document, "entries": entries}


WRONG_SHAPES = {
    "list": lambda doc: [],
    "null": lambda doc: None,
    "string": lambda doc: "cache",
    "entries-list": lambda doc: {**doc, "entries": []},
    "entries-null": lambda doc: {**doc, "entries": None},
    "entry-null": lambda doc: _entry_replaced(doc, None),
    "entry-list": lambda doc: _entry_replaced(doc, [1, 2]),
    "entry-empty": lambda doc: _entry_replaced(doc, {}),
    "size-string": lambda doc: {**doc, "entries": {k: {**v, "size": "12"} for k, v in doc["entries"].items()}},
    "findings-dict": lambda doc: {**doc, "entries": {k: {**v, "findings": {}} for k, v in doc["entries"].items()}},
    "error-number": lambda doc: {**doc, "entries": {k: {**v, "error": 3} for k, v in doc["entries"].items()}},
    "finding-null": lambda doc: {**doc, "entries": {k: {**v, "findings": [None]} for k, v in doc["entries"].items()}},
    "finding-line-string": lambda doc: _finding_replaced(doc, line="2"),
    "finding-extra-key": lambda doc: _finding_replaced(doc, extra=1),
}


@pytest.mark.parametrize("name", sorted(WRONG_SHAPES))
def test_a_cache_of_the_wrong_shape_is_a_miss(tmp_path, capsys, name):
    project, cache = tmp_path / "project", tmp_path / "cache"
    project.mkdir()
    (project / "model.py").write_text(SOURCE)
    config = ScanConfig(cache_dir=str(cache))
    cold = scan([str(project)], config)
    assert [f.rule for f in cold.findings] == ["TS101"]

    path = _cache_file(cache)
    path.write_text(json.dumps(WRONG_SHAPES[name](json.loads(path.read_text()))))
    again = scan([str(project)], config)
    assert again.findings == cold.findings and again.cache_hits == 0 and not again.errors

    # and through the CLI: the findings' exit code, no traceback; the cache is rewritten in good shape
    path.write_text(json.dumps(WRONG_SHAPES[name](json.loads(json.dumps(cold_document(cache, project, path))))))
    assert main(["scan", str(project), "--cache-dir", str(cache), "-q"]) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert scan([str(project)], config).cache_hits == 1


def cold_document(cache: Path, project: Path, path: Path) -> dict:
    """A well-formed cache document for ``project`` (written by a fresh scan)."""
    path.unlink()
    scan([str(project)], ScanConfig(cache_dir=str(cache)))
    return json.loads(path.read_text())
