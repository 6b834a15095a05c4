"""Renderers against golden files, plus the properties every rendering must have.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1 pytest tests/report``
and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from migrate.report import svg
from migrate.report.join import build_report
from migrate.report.json_report import SCHEMA_VERSION, render_json, report_to_dict
from migrate.report.model import Inputs
from migrate.report.render import CONTENT_SECURITY_POLICY, markdown_cell, render_html, render_markdown

GOLDEN = Path(__file__).parent / "golden"
RENDERERS = {"index.html": render_html, "report.md": render_markdown, "report.json": render_json}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_matches_golden_file(report, name):
    rendered = RENDERERS[name](report)
    golden = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(rendered, encoding="utf-8")
    assert golden.exists(), f"{golden} missing: run UPDATE_GOLDEN=1 pytest tests/report"
    assert rendered == golden.read_text(encoding="utf-8"), f"{name} differs from {golden}; if intended, UPDATE_GOLDEN=1"


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_every_renderer_handles_an_empty_report(name):
    text = RENDERERS[name](build_report(Inputs()))
    assert text.strip()
    if name == "report.md":
        assert "No conversion results" in text and "no scan was given" in text


def test_html_is_self_contained(report):
    html = render_html(report)
    assert f'content="{CONTENT_SECURITY_POLICY}"' in html and "default-src 'none'" in html
    # nothing that could make the browser fetch: no src/href/url() to anything but a fragment
    assert not re.search(r'\b(?:src|href)\s*=\s*"(?!#)', html)
    assert "url(" not in html and "@import" not in html and "<link" not in html and "<iframe" not in html
    assert "<style>" in html and "<svg" in html


def test_html_has_an_anchor_for_every_file_target_and_finding(report):
    html = render_html(report)
    ids = set(re.findall(r'id="([^"]+)"', html))
    assert {"summary", "targets", "files", "environment", "readiness-formula", "matrix"} <= ids
    assert {t.anchor for t in report.targets} <= ids
    assert {f.anchor for f in report.files} <= ids
    assert {f.anchor for s in report.files for f in s.findings} <= ids
    for link in set(re.findall(r'href="#([^"]+)"', html)):
        assert link in ids, f"dangling link #{link}"


def test_html_shows_the_join_and_the_formula(report):
    html = render_html(report)
    assert report.summary.readiness.formula in html
    assert 'href="#finding-F9"' in html and 'href="#target-wrap_rnn"' in html
    assert "if x.sum() &gt; 0:" in html  # the source line a failure names, escaped
    assert 'class="st st-mismatch"' in html
    assert "<summary>1 more note</summary>" in html  # the trace's second warning is folded


def test_markdown_for_github(report):
    md = render_markdown(report)
    assert "<details><summary>Suggested diff</summary>" in md and "```diff\n--- a/deploy.py" in md
    assert "| [wrap\\_rnn](#target-wrap_rnn) | still needs TorchScript |" in md
    assert '<a id="finding-F9"></a>F9' in md and "[F9](#finding-F9)" in md
    # every table row of a table has the same number of cells as its header
    lines = md.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("|") and i + 1 < len(lines) and re.match(r"^\|[-:|]+\|$", lines[i + 1]):
            width = _cells(line)
            j = i + 2
            while j < len(lines) and lines[j].startswith("|"):
                assert _cells(lines[j]) == width, f"row {j + 1} of the table at line {i + 1}: {lines[j]}"
                j += 1


def _cells(row: str) -> int:
    return len(re.split(r"(?<!\\)\|", row)) - 2


def test_markdown_cell_escapes_markup():
    assert markdown_cell("a|b\nc") == "a\\|b c"
    assert markdown_cell("__constants__ <x>") == "\\_\\_constants\\_\\_ &lt;x&gt;"


def test_json_embeds_the_stage_outputs_under_one_schema(report, make_inputs):
    data = json.loads(render_json(report))
    inputs = make_inputs()
    assert data["schema_version"] == SCHEMA_VERSION and data["kind"] == "torchscript-migrate report"
    assert data["scan"] == inputs.scan and data["fix"] == inputs.fix and data["convert"] == inputs.convert
    assert data["summary"]["by_verdict"] == {"clean": 1, "fallback": 1, "torchscript": 1, "blocked": 0}
    assert data["summary"]["readiness"]["formula"] == report.summary.readiness.formula
    f8 = next(f for f in data["findings"] if f["id"] == "F9")
    assert f8["targets"] == ["wrap_rnn"] and f8["scope"] == "WrapRNN.__init__"
    wrap = next(t for t in data["targets"] if t["name"] == "wrap_rnn")
    assert next(r for r in wrap["results"] if r["strategy"] == "export")["findings"] == ["F9"]
    assert set(report_to_dict(build_report(Inputs()))) == set(data)  # same keys when empty


def test_latency_chart_greys_results_that_are_not_ok(report):
    gated = next(t for t in report.targets if t.name == "gated_cell")
    chart = svg.latency_chart(gated)
    assert chart.count("<rect") == 5  # eager, jit.script, jit.trace, jit.freeze, ts2ep have a latency
    assert "(mismatch)" in chart and 'fill="#9ca3af"' in chart
    assert "×8.79 vs jit.freeze" in chart  # ts2ep 71.2 µs against jit.freeze 8.1 µs, the fastest TorchScript
    no_latency = next(t for t in build_report(Inputs(convert={"targets": [
        {"name": "t", "results": [{"strategy": "eager", "status": "failed"}]}]})).targets)
    assert svg.latency_chart(no_latency) == ""


def test_stacked_bar_skips_empty_parts():
    bar = svg.stacked_bar([("a", 2, "#000"), ("b", 0, "#111"), ("c", 1, "#222")], "label")
    assert bar.count("<rect") == 2 and svg.stacked_bar([("a", 0, "#000")], "x") == ""


def test_a_cause_repeated_by_later_strategies_is_written_once(report):
    from migrate.report.render import repeats

    wrap = next(t for t in report.targets if t.name == "wrap_rnn")
    assert repeats(wrap) == {"export.strict": "export", "export.dynamic": "export"}
    html = render_html(report)
    assert html.count("source line and hint: as for export") == 4  # two targets, two repeats each


def test_markdown_keeps_odd_file_names_and_fences_in_their_code():
    """A backtick in a file name cannot end its code span (and let HTML into a heading), and a source
    line of ``` cannot close the snippet's or the diff's fence early."""
    from migrate.report.render import code_fence, code_span, render_markdown
    from tests.report.conftest import sample_report

    assert code_span("a.py") == "`a.py`"
    assert code_span("a`<img src=x>`.py") == "``a`<img src=x>`.py``"
    assert code_span("`edge`") == "`` `edge` ``"
    assert code_fence(["x = 1"]) == "```" and code_fence("```\ncode\n````") == "`````"

    report = sample_report()
    file = next(f for f in report.files if f.path == "cells.py")
    odd = "weird`<b>bold</b>`.py"
    object.__setattr__(file, "path", odd)
    finding = next(f for f in file.findings if f.snippet)
    line = finding.snippet[0]
    object.__setattr__(line, "text", "```")
    markdown = render_markdown(report)
    assert f"### ``{odd}``" in markdown
    block = markdown.split(f"### ``{odd}``", 1)[1]
    start = block.index("````python")
    assert block.index("\n````\n", start) > block.index("\n```\n", start), "the snippet's own ``` stays inside"
