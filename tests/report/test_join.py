"""The join: verdicts, links between findings and targets, rewrites, ratios, readiness, bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from migrate.convert.results import ConvertRun
from migrate.report import readiness
from migrate.report.join import build_report
from migrate.report.model import BLOCKED, CLEAN, FALLBACK, TORCHSCRIPT, Inputs
from migrate.report.sources import (
    link_span,
    match_path,
    parse_reference,
    module_file,
    outline,
    python_scopes,
    reachable_spans,
    snippet,
)

DATA = Path(__file__).parent / "data"


def target(report, name):
    return next(t for t in report.targets if t.name == name)


def test_verdicts_of_the_sample_targets(report):
    assert [(t.name, t.verdict) for t in report.targets] == [
        ("my_cell", CLEAN), ("gated_cell", FALLBACK), ("wrap_rnn", TORCHSCRIPT)]
    assert "ts2ep ok" in target(report, "gated_cell").verdict_reason
    assert target(report, "wrap_rnn").verdict_reason.startswith(
        "export, export.strict, export.dynamic failed: scripted or traced submodule (loop)")


@pytest.mark.parametrize("statuses, verdict", [
    ({"eager": "ok", "export": "ok"}, CLEAN),
    ({"eager": "ok", "export": "failed", "export.strict": "ok"}, CLEAN),
    ({"eager": "ok", "export": "failed", "export.dynamic": "ok"}, FALLBACK),
    ({"eager": "ok", "export": "failed", "jit.trace": "mismatch", "jit.script": "ok"}, TORCHSCRIPT),
    ({"eager": "ok", "export": "timeout", "jit.trace": "mismatch", "jit.script": "crashed"}, BLOCKED),
    ({"eager": "crashed", "export": "ok"}, BLOCKED),  # no reference: nothing can be trusted
])
def test_verdict_rules(statuses, verdict):
    convert = {"schema_version": 1, "targets": [{"name": "t", "source": "m.py:1", "results": [
        {"strategy": s, "status": st} for s, st in statuses.items()]}]}
    assert build_report(Inputs(convert=convert)).targets[0].verdict == verdict


def test_failure_naming_a_line_links_to_findings_in_that_class(report):
    wrap = target(report, "wrap_rnn")
    export = wrap.result("export")
    assert export.source_line == "project/loop.py:22"
    assert export.source_text == "self.loop = torch.jit.script(MyRNNLoop())"
    f8 = report.finding(export.findings[0])
    assert (f8.path, f8.line, f8.api, f8.scope) == ("loop.py", 22, "torch.jit.script", "WrapRNN.__init__")
    assert f8.targets == ("wrap_rnn",)
    # the error names WrapRNN's line only: the traced cell of MyRNNLoop is not linked through it...
    assert "F8" not in export.findings
    # ...but WrapRNN's builder uses WrapRNN, which uses MyRNNLoop, whose __init__ traces a MyCell
    # (F8), MyCell declares __constants__ (F2), and MyDecisionGate has a data-dependent if (F1)
    assert wrap.findings == ("F1", "F2", "F8", "F9")
    assert report.finding("F8").targets == ("wrap_rnn",)


def test_failure_at_a_data_dependent_if_links_the_torch_cond_suggestion(report):
    export = target(report, "gated_cell").result("export")
    assert export.source_text == "if x.sum() > 0:"
    (f1,) = [report.finding(i) for i in export.findings]
    assert (f1.path, f1.line, f1.rule, f1.origin, f1.rewrite) == ("cells.py", 7, "TS601", "fix", "unsafe")
    assert f1.scope == "MyDecisionGate.forward" and "torch.cond" in f1.rewrite_reason


def test_failure_line_without_findings_still_shows_the_source(make_report):
    report = make_report(fix=None)  # without the fix stage there is no TS601 finding at the line
    export = target(report, "gated_cell").result("export")
    assert export.findings == ()
    assert export.source_text == "if x.sum() > 0:"


def test_fix_only_items_become_findings_once():
    scan = {"findings": [{"path": "a.py", "line": 3, "rule": "TS101", "api": "torch.jit.script"}]}
    fix = {"files": [{"path": "a.py", "diff": "", "rewrites": [
        {"rule": "TS101", "api": "torch.jit.script", "line": 3, "column": 1, "safety": "unsafe", "reason": "r"},
        {"rule": "TS601", "api": "data-dependent-if", "line": 5, "column": 5, "safety": "unsafe", "reason": "cond"}]}],
        "manual": [{"path": "a.py", "line": 9, "column": 5, "rule": "TS601", "api": "data-dependent-if",
                    "recipe": "use torch.cond", "reason": "no else branch"},
                   {"path": "a.py", "line": 3, "column": 1, "rule": "TS101", "api": "torch.jit.script", "reason": "dup"}]}
    report = build_report(Inputs(scan=scan, fix=fix))
    found = [(f.line, f.rule, f.origin, f.rewrite, f.rewrite_reason) for s in report.files for f in s.findings]
    assert found == [(3, "TS101", "scan", "unsafe", "r"), (5, "TS601", "fix", "unsafe", "cond"),
                     (9, "TS601", "fix", None, "no else branch")]
    assert report.finding("F3").recipe == "use torch.cond"


def test_findings_inside_a_target_builder_are_linked_to_it():
    scan = {"schema_version": 1, "findings": [
        {"path": "models.py", "line": 6, "column": 12, "rule": "TS102", "api": "torch.jit.trace", "severity": "error"},
        {"path": "models.py", "line": 10, "column": 1, "rule": "TS111", "api": "torch.jit.load", "severity": "warning"}]}
    source = ("import torch\nimport migrate\n\n@migrate.target\ndef traced():\n"
              "    m = torch.jit.trace(Net(), (x,))\n    return migrate.Target(m, (x,))\n\n\nlast = torch.jit.load('a.pt')\n")
    convert = {"schema_version": 1, "targets": [{"name": "traced", "source": "/abs/elsewhere/models.py:5",
                                                 "results": [{"strategy": "eager", "status": "ok"}]}]}
    report = build_report(Inputs(scan=scan, convert=convert, root="/repo", sources={"models.py": source}))
    assert report.targets[0].findings == ("F1",)
    assert report.finding("F1").targets == ("traced",)
    assert report.finding("F2").targets == ()


def test_classes_a_target_builds_link_their_findings(report):
    assert report.finding("F2").api == "__constants__" and report.finding("F2").scope == "MyCell"
    assert report.finding("F2").targets == ("my_cell", "gated_cell", "wrap_rnn")  # all build a MyCell
    assert report.finding("F3").targets == ()  # module-level torch.jit.script: no target uses it
    assert report.finding("F4").targets == ()  # deploy.py: no target builds anything there


def test_reachable_spans_follow_imports_across_files():
    files = {
        "a.py": "from b import B\n\nclass A:\n    def f(self):\n        return B(), helper()\n\n\ndef unused():\n    pass\n",
        "b.py": "import c\n\nclass B:\n    x = c.C\n\n\nclass C:\n    pass\n",
        "c.py": "class C:\n    pass\n",
        "d.py": "def helper():\n    pass\n",  # used by a.py but never imported there: not followed
    }
    outlines = {path: outline(text) for path, text in files.items()}
    assert reachable_spans(outlines, "a.py", 4) == [("a.py", 3, 5), ("b.py", 3, 4), ("c.py", 1, 2)]
    assert reachable_spans(outlines, "a.py", 6) == []  # not inside a definition
    assert outline("def (:") == outline("")


def test_module_file_resolves_absolute_and_relative_imports():
    paths = ["pkg/models.py", "pkg/cells.py", "other/cells.py", "pkg/sub/__init__.py", "util.py"]
    assert module_file(".cells", "pkg/models.py", paths) == "pkg/cells.py"
    assert module_file(".sub", "pkg/models.py", paths) == "pkg/sub/__init__.py"
    assert module_file("..util", "pkg/models.py", paths) == "util.py"
    assert module_file("pkg.cells", "x.py", paths) == "pkg/cells.py"
    assert module_file("cells", "pkg/models.py", paths) == "pkg/cells.py"  # the importer's folder wins
    assert module_file("cells", "x.py", paths) is None  # ambiguous
    assert module_file("torch.nn", "pkg/models.py", paths) is None


def test_rewrites_come_from_the_fix_stage_else_from_the_catalogue(report, make_report):
    assert report.summary.rewrite_source == "fix"
    assert (report.summary.rewrites_safe, report.summary.rewrites_unsafe, report.summary.manual) == (1, 8, 3)
    assert report.finding("F2").rewrite == "safe" and report.finding("F10").rewrite is None
    without_fix = make_report(fix=None)
    assert without_fix.summary.rewrite_source == "catalogue"
    assert (without_fix.summary.rewrites_safe, without_fix.summary.rewrites_unsafe) == (1, 7)
    # a finding the catalogue marks fixable but the fixer refused counts as manual
    fix = json.loads((DATA / "fix.json").read_text())
    fix["files"] = [f for f in fix["files"] if f["path"] != "deploy.py"]
    refused = make_report(fix=fix)
    assert (refused.summary.rewrites_unsafe, refused.summary.manual) == (4, 7)


def test_latency_ratios_are_convert_s_own(report):
    cell = target(report, "my_cell")
    # the fastest TorchScript-family strategy that is ok: jit.freeze (7.8 µs) beats jit.script (8.0 µs)
    assert cell.torchscript_reference == "jit.freeze"
    export = cell.result("export")
    assert export.ratio_to_torchscript == round(0.0573 / 0.0078, 4)
    assert export.ratio_to_eager == round(0.0573 / 0.0087, 4)
    assert target(report, "gated_cell").result("export").ratio_to_eager is None
    run = ConvertRun.from_dict(json.loads((DATA / "convert.json").read_text()))
    for t in report.targets:
        converted = run.targets[[c.name for c in run.targets].index(t.name)]
        assert t.torchscript_reference == converted.baselines.get("torchscript", "")
        for row in t.results:
            assert row.result == converted.result(row.strategy)  # the same object, read once, no recomputation


def test_routes_come_from_families_not_names():
    convert = {"schema_version": 2, "strategies": [{"name": "eager", "family": "reference", "order": 0},
                                                   {"name": "my.export", "family": "export", "order": 1},
                                                   {"name": "my.script", "family": "torchscript", "order": 2}],
               "targets": [{"name": "t", "results": [{"strategy": "eager", "status": "ok"},
                                                     {"strategy": "my.export", "status": "failed", "cause": "c"},
                                                     {"strategy": "my.script", "status": "ok"}]}]}
    section = build_report(Inputs(convert=convert)).targets[0]
    assert (section.verdict, section.verdict_reason) == (TORCHSCRIPT, "my.export failed: c; only my.script ok")


def test_summary_counts(report):
    s = report.summary
    assert (s.files_scanned, s.files_with_findings, s.files_failed, s.findings) == (7, 4, 1, 12)  # 11 + TS601
    assert dict(s.by_severity) == {"error": 9, "warning": 3, "info": 0}
    assert s.by_api[0].label in ("torch.jit.script", "torch.jit.trace") and s.by_api[0].total == 2
    assert dict(s.by_verdict) == {CLEAN: 1, FALLBACK: 1, TORCHSCRIPT: 1, BLOCKED: 0}
    assert s.strategies[:3] == ("eager", "jit.script", "jit.trace")
    assert s.readiness.percent == pytest.approx((50 + 100 * 5 / 12) / 2)


def test_files_list_findings_diffs_and_unreadable_files(report):
    by_path = {f.path: f for f in report.files}
    assert set(by_path) == {"broken.py", "cells.py", "deploy.py", "loop.py", "serve.cpp"}
    assert by_path["broken.py"].error.startswith("scan: syntax error")
    assert by_path["deploy.py"].diff.startswith("--- a/deploy.py")
    assert [f.id for f in by_path["serve.cpp"].findings] == ["F10", "F11", "F12"]
    marked = [line for line in report.finding("F4").snippet if line.marked]
    assert marked[0].text.strip() == "traced = torch.jit.trace(model, example)"


def test_readiness_formula_states_its_numbers():
    r = readiness.compute(targets=4, clean=2, fallback=1, findings=10, safe=4, unsafe=2)
    assert r.models_percent == pytest.approx(62.5) and r.code_percent == pytest.approx(50)
    assert r.percent == pytest.approx(56.25)
    assert "(2 + ½ × 1) ÷ 4" in r.computation and "(4 + ½ × 2) ÷ 10" in r.computation
    assert "model score" in r.formula and "code score" in r.formula
    only_code = readiness.compute(targets=None, clean=0, fallback=0, findings=0, safe=0, unsafe=0)
    assert only_code.percent == 100 and only_code.models_percent is None
    nothing = readiness.compute(targets=None, clean=0, fallback=0, findings=None, safe=0, unsafe=0)
    assert nothing.percent is None and "nothing to score" in nothing.computation


def test_partial_and_older_inputs_do_not_crash():
    convert = {"targets": [
        {"name": "old", "results": [
            {"strategy": "eager", "status": "ok", "checks": [{"input": "example", "max_abs_error": 0, "ok": True}]},
            {"strategy": "export", "error": "boom\nsecond line"},  # no status: read as failed
            {"status": "ok"},  # no strategy: dropped
            "not a result",
        ]},
        {"name": "empty"},
        "junk",
    ]}
    report = build_report(Inputs(scan={"findings": [{"path": "a.py"}]}, convert=convert))
    old = report.targets[0]
    assert old.check_inputs == ("example",)
    assert old.result("export").status == "failed" and old.result("export").error == "boom"
    assert "convert: target empty has no strategy results" in report.warnings
    assert report.summary.findings == 1 and report.finding("F1").snippet == ()
    assert build_report(Inputs(scan={"schema_version": 1})).warnings == (
        "scan: the input has no 'findings' list; treated as empty",)


def test_no_inputs_at_all():
    report = build_report(Inputs())
    assert report.targets == () and report.files == () and report.summary.readiness.percent is None


def test_convert_errors_become_warnings(report):
    assert "convert: project/extra_models.py: ImportError: No module named 'timm'" in report.warnings


def test_match_path():
    candidates = ["loop.py", "pkg/models.py", "other/models.py"]
    assert match_path("/repo/loop.py", candidates, "/repo") == "loop.py"
    assert match_path("project/loop.py", candidates, "/repo") == "loop.py"
    assert match_path("x/pkg/models.py", candidates, "/repo") == "pkg/models.py"
    assert match_path("models.py", candidates, "/repo") is None  # ambiguous
    assert match_path("nothere.py", candidates, "/repo") is None


def test_parse_reference():
    assert parse_reference(None, 'Traceback: File "/a/b/m.py", line 12, in f') == ("/a/b/m.py", 12)
    assert parse_reference("fixtures/models/cells.py:7: if x.sum() > 0:") == ("fixtures/models/cells.py", 7)
    assert parse_reference(".\\win\\m.py:3") == ("win/m.py", 3)
    assert parse_reference("no reference", "") is None


def test_scopes_and_link_span():
    text = "class A:\n    @dec\n    def f(self):\n        x = 1\n\n\ndef g():\n    return 2\n\ny = 3\n"
    scopes = python_scopes(text)
    assert [(s.name, s.start, s.end) for s in scopes] == [("A", 1, 4), ("A.f", 2, 4), ("g", 7, 8)]
    assert link_span(scopes, 4) == (1, 4, "A")  # a method widens to its class
    assert link_span(scopes, 8) == (7, 8, "g")
    assert link_span(scopes, 10) == (10, 10, "")  # module level: the line itself
    assert python_scopes("def broken(:\n") == ()


def test_snippet_marks_the_line_and_clips():
    lines = snippet("a\nb\n" + "c" * 500 + "\n", 2)
    assert [(l.number, l.marked) for l in lines] == [(1, False), (2, True), (3, False)]
    assert len(lines[2].text) == 160 and lines[2].text.endswith("…")
    assert snippet("a\n", 9) == () and snippet(None, 1) == ()


def test_inputs_are_not_modified(make_inputs):
    inputs = make_inputs()
    before = copy.deepcopy((inputs.scan, inputs.fix, inputs.convert))
    build_report(inputs)
    assert (inputs.scan, inputs.fix, inputs.convert) == before


@pytest.mark.parametrize("draft, expected", [
    ({"ran": True, "successful": False, "failures": [
        {"type": "DATA_DEPENDENT_ERROR", "expr": "Eq(u0, 1)", "user_line": "m.py:3: if x.any():"}]},
     "1 issue: DATA_DEPENDENT_ERROR Eq(u0, 1) at m.py:3: if x.any():"),
    ({"ran": False, "error": "boom\nmore"}, "draft_export did not run: boom"),
    ({"ran": True, "successful": True, "failures": []}, "no issues found"),
    ({"ran": True, "failures": 3}, "ran: True; failures: 3"),  # unknown shape: shown as it is
    ("a plain summary", "a plain summary"),
    (None, ""),
])
def test_draft_export_summary(draft, expected):
    convert = {"targets": [{"name": "t", "results": [{"strategy": "export", "status": "failed", "draft_export": draft}]}]}
    assert build_report(Inputs(convert=convert)).targets[0].results[0].draft_export == expected


def test_environment_lists_torch_threads_machine_date_and_tool(report):
    env = dict(report.environment)
    assert env["torch"] == "2.13.0+cpu" and env["threads (latency runs)"] == "1"
    assert env["machine"].startswith("x86_64") and env["report date"] == "2026-01-01 00:00 UTC"
    assert env["tool version"] == "torchscript-migrate 0.0.0-test" and env["conversion wall time"] == "48 s"


def test_a_stale_target_line_is_not_linked_and_says_why():
    source = "import torch\n\n\ndef helper():\n    return torch.jit.script(f)\n\n\ndef build():\n    return helper()\n"
    scan = {"findings": [{"path": "m.py", "line": 5, "api": "torch.jit.script", "rule": "TS101"}]}
    fresh = {"targets": [{"name": "t", "source": "m.py:8", "results": [{"strategy": "eager", "status": "ok"}]}]}
    report = build_report(Inputs(scan=scan, convert=fresh, sources={"m.py": source}))
    assert report.targets[0].findings == ("F1",) and report.warnings == ()
    stale = {"targets": [{"name": "t", "source": "m.py:9", "results": [{"strategy": "eager", "status": "ok"}]}]}
    report = build_report(Inputs(scan=scan, convert=stale, sources={"m.py": source}))
    assert report.targets[0].findings == () and report.targets[0].stale_source
    assert report.warnings[0].startswith("convert: m.py changed since the conversion (the line given for t no longer")


def test_an_error_line_whose_text_changed_is_not_linked():
    source = "class A:\n    def __init__(self):\n        self.m = torch.jit.script(M())\n"
    scan = {"findings": [{"path": "m.py", "line": 3, "api": "torch.jit.script", "rule": "TS101"}]}

    def report_for(source_line):
        convert = {"targets": [{"name": "t", "results": [
            {"strategy": "export", "status": "failed", "source_line": source_line}]}]}
        return build_report(Inputs(scan=scan, convert=convert, sources={"m.py": source}))

    same = report_for("m.py:3: self.m = torch.jit.script(M())")
    assert same.targets[0].results[0].findings == ("F1",) and same.warnings == ()
    changed = report_for("m.py:3: return self.m(x)")
    assert changed.targets[0].results[0].findings == ()
    assert changed.targets[0].results[0].source_text == "return self.m(x)"  # what the converter saw
    assert "now reads 'self.m = torch.jit.script(M())', not 'return self.m(x)'" in changed.warnings[0]
