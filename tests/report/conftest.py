"""Shared fixtures: the sample project under data/ and the report built from its JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrate.report.inputs import read_sources
from migrate.report.join import build_report
from migrate.report.model import Inputs

DATA = Path(__file__).parent / "data"
GOLDEN = Path(__file__).parent / "golden"
FIXED_ENVIRONMENT = {"machine": "x86_64, 2 CPUs, Linux", "python": "3.11.7"}


def load_sample(**overrides) -> Inputs:
    """The sample scan/fix/convert JSON of data/project, as the loader would hand them over."""
    scan = json.loads((DATA / "scan.json").read_text())
    fields = dict(
        scan=scan,
        fix=json.loads((DATA / "fix.json").read_text()),
        convert=json.loads((DATA / "convert.json").read_text()),
        root=str((DATA / "project").resolve()),
        # the finding files, plus the targets file (the loader adds it from the converter's "source")
        sources=read_sources(str(DATA / "project"), sorted({f["path"] for f in scan["findings"]} | {"models.py"})),
        origins={"scan": "read from scan.json", "fix": "read from fix.json", "convert": "read from convert.json"},
    )
    fields.update(overrides)
    return Inputs(**fields)


def sample_report(**overrides):
    return build_report(load_sample(**overrides), environment=FIXED_ENVIRONMENT, generated="2026-01-01 00:00 UTC",
                        title="Sample project", tool_version="0.0.0-test")


@pytest.fixture
def report():
    return sample_report()


@pytest.fixture
def make_report():
    """``make_report(fix=None, ...)``: the sample report with some inputs replaced."""
    return sample_report


@pytest.fixture
def make_inputs():
    return load_sample
