"""Scan results for CI systems: GitHub workflow-command annotations and JUnit XML. Pure functions of
the result (and of the folder paths are shown relative to).

GitHub (`--format github`) turns each printed line
``::error file=src/m.py,line=3,col=5,endLine=3,endColumn=21,title=TS101::message`` into an inline
annotation on the pull request's diff, with no upload step. Paths are relative to the folder the
command runs in (in GitHub Actions the checkout, so run the scan from there). Escaping follows
GitHub's own toolkit (`@actions/core`): in the message `%`, CR and LF; in properties also `:` and `,`.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET

from migrate.scan.model import Finding, ScanResult

GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: `%` first, then the line ends."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file, title): the message's escapes plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def shown_path(result: ScanResult, relpath: str, base: str | None = None) -> str:
    """The finding's path relative to `base` (default: the current folder), with forward slashes."""
    absolute = os.path.join(result.root, relpath)
    try:
        shown = os.path.relpath(absolute, base or os.getcwd())
    except ValueError:  # another drive on Windows
        shown = absolute
    return shown.replace(os.sep, "/")


def first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def annotation_message(finding: Finding) -> str:
    """Rule, message and API, then the recipe's first line (the annotation shows both lines)."""
    recipe = first_line(finding.recipe)
    fix = "" if finding.fixable == "none" else f" [migrate fix: {finding.fixable}]"
    return f"{finding.rule} {finding.message} ({finding.api}){fix}" + (f"\n{recipe}" if recipe else "")


def to_github(result: ScanResult, base: str | None = None) -> str:
    """One workflow command per finding, then one warning per file that could not be scanned."""
    lines = []
    for f in result.findings:
        properties = ",".join([
            f"file={escape_property(shown_path(result, f.path, base))}", f"line={f.line}", f"col={f.column}",
            f"endLine={f.end_line}", f"endColumn={f.end_column}", f"title={escape_property(f.rule)}",
        ])
        lines.append(f"::{GITHUB_LEVEL[f.severity]} {properties}::{escape_data(annotation_message(f))}")
    for e in result.errors:
        lines.append(f"::warning file={escape_property(shown_path(result, e.path, base))},"
                     f"title=migrate scan::{escape_data('could not scan this file: ' + e.reason)}")
    return "".join(line + "\n" for line in lines)


def to_junit(result: ScanResult, base: str | None = None) -> str:
    """JUnit XML (GitLab test reports, Jenkins, Azure): one test suite per file with findings, one
    failing test case per finding, an `<error>` case per file that could not be scanned, and one
    passing case when there is nothing to report (some readers reject an empty report)."""
    cases = len(result.findings) + len(result.errors)
    suites = ET.Element("testsuites", name="torchscript-migrate", tests=str(cases or 1),
                        failures=str(len(result.findings)), errors=str(len(result.errors)),
                        time=f"{result.seconds:.3f}")
    by_path: dict[str, list[Finding]] = {}
    for f in result.findings:
        by_path.setdefault(f.path, []).append(f)
    for path, findings in by_path.items():
        shown = shown_path(result, path, base)
        suite = ET.SubElement(suites, "testsuite", name=shown, tests=str(len(findings)), failures=str(len(findings)),
                              errors="0")
        for f in findings:
            case = ET.SubElement(suite, "testcase", name=f"{f.rule} at {f.line}:{f.column}", classname=shown,
                                 file=shown, line=str(f.line))
            failure = ET.SubElement(case, "failure", type=f.rule, message=f"{f.message} ({f.api})")
            failure.text = f"{shown}:{f.line}:{f.column} {f.rule} {f.severity}: {f.message}\n{f.recipe}"
    if result.errors:
        suite = ET.SubElement(suites, "testsuite", name="files that could not be scanned",
                              tests=str(len(result.errors)), failures="0", errors=str(len(result.errors)))
        for e in result.errors:
            shown = shown_path(result, e.path, base)
            case = ET.SubElement(suite, "testcase", name=f"scan {shown}", classname=shown, file=shown)
            ET.SubElement(case, "error", type="scan error", message=e.reason)
    if not result.findings and not result.errors:
        suite = ET.SubElement(suites, "testsuite", name="torchscript-migrate", tests="1", failures="0", errors="0")
        ET.SubElement(suite, "testcase", name="no TorchScript found", classname="torchscript-migrate")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
