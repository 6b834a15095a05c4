"""Renderers for scan results: terminal (rich), JSON, SARIF 2.1.0 and Markdown. Pure functions of the
result (and, for the terminal, of the source lines handed in)."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from migrate import __version__
from migrate.scan.catalogue import load_rules
from migrate.scan.model import SEVERITIES, ScanResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def to_json(result: ScanResult) -> str:
    return json.dumps(result.to_dict(), indent=2) + "\n"


def to_sarif(result: ScanResult) -> str:
    rules = load_rules()
    index = {rule.id: i for i, rule in enumerate(rules)}
    driver_rules = [{
        "id": rule.id,
        "name": rule.api,
        "shortDescription": {"text": rule.message},
        "fullDescription": {"text": f"{rule.message}. Replacement: {rule.replacement}."},
        "help": {
            "text": f"{rule.recipe}\n\nBefore:\n{rule.before}\n\nAfter:\n{rule.after}",
            "markdown": (f"{rule.recipe}\n\n**Before**\n```{_lang(rule)}\n{rule.before}\n```\n\n"
                         f"**After**\n```{_lang(rule)}\n{rule.after}\n```"),
        },
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"category": rule.category, "fixable": rule.fixable, "tags": ["torchscript", rule.category]},
    } for rule in rules]
    results = [{
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": f"{f.message} ({f.api})"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": f.path, "uriBaseId": "SRCROOT"},
            "region": {"startLine": f.line, "startColumn": f.column, "endLine": f.end_line,
                       "endColumn": f.end_column},
        }}],
        "properties": {"api": f.api, "fixable": f.fixable},
    } for f in result.findings]
    notifications = [{
        "level": "error",
        "message": {"text": f"{e.path}: {e.reason}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": e.path, "uriBaseId": "SRCROOT"}}}],
    } for e in result.errors]
    sarif = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "torchscript-migrate", "version": __version__,
                                "informationUri": "https://pypi.org/project/torchscript-migrate/",
                                "rules": driver_rules}},
            "originalUriBaseIds": {"SRCROOT": {"uri": Path(result.root).as_uri() + "/"}},
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _lang(rule) -> str:
    return "cpp" if rule.language == "cpp" else "python"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def summary_by_api(result: ScanResult) -> list[tuple[str, str, str, int, int]]:
    """(api, rule, severity, findings, of which fixable) rows, most frequent first."""
    counts = Counter((f.api, f.rule, f.severity) for f in result.findings)
    fixable = Counter((f.api, f.rule, f.severity) for f in result.findings if f.fixable != "none")
    rows = [(api, rule, sev, n, fixable[(api, rule, sev)]) for (api, rule, sev), n in counts.items()]
    return sorted(rows, key=lambda r: (-r[3], r[1], r[0]))


def to_markdown(result: ScanResult) -> str:
    s = result.summary()
    out = ["# TorchScript scan", "",
           f"{s['findings']} findings in {s['files_with_findings']} of {s['files_scanned']} files"
           f" ({s['files_failed']} could not be read).", ""]
    by_severity = Counter(f.severity for f in result.findings)
    out += ["| severity | findings |", "|---|---:|"]
    out += [f"| {sev} | {by_severity.get(sev, 0)} |" for sev in reversed(SEVERITIES)]
    out += ["", "## By API", "", "| API | rule | severity | findings | with a rewrite |", "|---|---|---|---:|---:|"]
    out += [f"| `{api}` | {rule} | {sev} | {n} | {fx} |" for api, rule, sev, n, fx in summary_by_api(result)]
    if result.findings:
        out += ["", "## Findings", ""]
        current = None
        for f in result.findings:
            if f.path != current:
                current = f.path
                out += ["", f"### `{f.path}`", "", "| line:col | rule | severity | message | fix |",
                        "|---|---|---|---|---|"]
            out.append(f"| {f.line}:{f.column} | {f.rule} | {f.severity} | {_md_cell(f.message)} (`{f.api}`) "
                       f"| {f.fixable} |")
    if result.errors:
        out += ["", "## Files that could not be scanned", "", "| file | reason |", "|---|---|"]
        out += [f"| `{e.path}` | {_md_cell(e.reason)} |" for e in result.errors]
    return "\n".join(out) + "\n"


def read_source_lines(root: str, relpath: str) -> list[str]:
    """The file's lines for display (never raises: a file that vanished shows no source)."""
    try:
        with open(os.path.join(root, relpath), "rb") as handle:
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return []
    from migrate.source_text import split_lines

    return [line.rstrip("\r\n") for line in split_lines(text)]


def print_terminal(result: ScanResult, console, show_source: bool = True) -> None:
    from rich.markup import escape
    from rich.table import Table

    current, lines = None, []
    for f in result.findings:
        if f.path != current:
            current = f.path
            console.print()
            console.print(f"[bold underline]{escape(f.path)}[/]")
            lines = read_source_lines(result.root, f.path) if show_source else []
        fix = "" if f.fixable == "none" else f"  [green]\\[fix: {f.fixable}][/]"
        console.print(f"  {escape(f.path)}:{f.line}:{f.column}  [{_STYLE[f.severity]}]{f.rule} {f.severity}[/]  "
                      f"{escape(f.message)} [dim]({escape(f.api)})[/]{fix}", highlight=False, soft_wrap=True)
        if 0 < f.line <= len(lines):
            text = lines[f.line - 1]
            shown = text if len(text) <= 200 else text[:200] + "…"
            console.print(f"  [dim]{f.line:>6} │[/] {escape(shown)}", highlight=False, soft_wrap=True)
            width = (f.end_column - f.column) if f.end_line == f.line else len(text) - f.column + 1
            if f.column - 1 < 200:
                console.print(f"  [dim]{'':>6} │[/] {' ' * (f.column - 1)}[{_STYLE[f.severity]}]"
                              f"{'^' * max(1, min(width, 200 - f.column + 1))}[/]", highlight=False)
    for e in result.errors:
        console.print(f"[yellow]warning:[/] could not scan {escape(e.path)}: {escape(e.reason)}", highlight=False)
    for path, also in result.links:
        console.print(f"[dim]note: {escape(path)} is also reached as {escape(', '.join(also))} (a link); "
                      "its findings are reported once, under the real file[/]", highlight=False, soft_wrap=True)
    if result.findings:
        table = Table(title="TorchScript constructs by API", title_justify="left")
        for column, justify in (("API", "left"), ("rule", "left"), ("severity", "left"),
                                ("findings", "right"), ("with a rewrite", "right")):
            table.add_column(column, justify=justify)
        for api, rule, sev, n, fx in summary_by_api(result):
            table.add_row(escape(api), rule, f"[{_STYLE[sev]}]{sev}[/]", str(n), str(fx))
        console.print()
        console.print(table)
    s = result.summary()
    by_severity = Counter(f.severity for f in result.findings)
    severities = ", ".join(f"{by_severity[sev]} {sev}" for sev in reversed(SEVERITIES) if by_severity.get(sev))
    console.print(f"\n[bold]{s['findings']} findings[/]" + (f" ({severities})" if severities else "") +
                  f" in {s['files_with_findings']} of {s['files_scanned']} files; "
                  f"{s['files_failed']} could not be scanned; {result.seconds:.2f}s", highlight=False)
