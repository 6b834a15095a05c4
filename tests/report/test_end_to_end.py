"""``migrate report PATH --targets FILE``: the real scan and convert stages on one tiny target.

Runs three cheap strategies (eager, jit.script, export) in the converter's worker process.
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from migrate.cli import main

pytestmark = pytest.mark.slow

MODELS = '''
import torch

import migrate


class Gate(torch.nn.Module):
    def forward(self, x):
        return x if x.sum() > 0 else -x


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.gate = torch.jit.script(Gate())
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x):
        return self.gate(self.linear(x))


@migrate.target
def net():
    torch.manual_seed(0)
    return migrate.Target(Net(), (torch.rand(2, 4),))
'''


@pytest.mark.skipif(
    importlib.util.find_spec("torch") is None or importlib.util.find_spec("migrate.convert.supervisor") is None
    or importlib.util.find_spec("migrate.scan.batch") is None,
    reason="needs torch and the scan and convert stages",
)
def test_report_on_a_tiny_project(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    (project / "models.py").write_text(MODELS)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    code = main(["report", "project", "--targets", "project/models.py", "--strategies", "eager,jit.script,export",
                 "--out", "out", "--timeout", "240"])
    assert code == 1  # a finding, and a target that does not export cleanly
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["scan"]["findings"][0]["api"] == "torch.jit.script"
    (target,) = data["targets"]
    statuses = {r["strategy"]: r["status"] for r in target["results"]}
    assert statuses["eager"] == "ok" and statuses["jit.script"] == "ok" and statuses["export"] != "ok"
    assert target["verdict"] == "torchscript"
    finding = data["findings"][0]
    assert finding["scope"] == "Net.__init__" and finding["targets"] == ["net"]  # Net is what the target builds
    html = (tmp_path / "out" / "index.html").read_text()
    assert 'id="target-net"' in html and 'href="#finding-F1"' in html
