"""The short summary printed after a report is written (rich)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from migrate.report import formatting
from migrate.report.model import VERDICT_LABELS, Report, TargetSection, verdict_count

STATUS_STYLES = {"ok": "green", "mismatch": "yellow", "failed": "red", "timeout": "bold red", "crashed": "bold red",
                 "skipped": "dim"}


def not_ok(target: TargetSection) -> str:
    """Strategies that did not succeed, grouped by status, coloured ("export, ts2ep failed; aoti skipped")."""
    groups: dict[str, list[str]] = {}
    for r in target.results:
        if r.status != "ok":
            groups.setdefault(r.status, []).append(r.strategy)
    return "; ".join(f"{', '.join(names)} [{STATUS_STYLES.get(status, '')}]{escape(status)}[/]" for status, names in groups.items())


def print_summary(report: Report, written: dict[str, str], console: Console | None = None) -> None:
    console = console or Console()
    s = report.summary
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False, soft_wrap=True)
    console.print(f"[bold]Readiness {formatting.percent(s.readiness.percent)}[/]  [dim]{s.readiness.computation}[/]",
                  highlight=False, soft_wrap=True)
    severities = ", ".join(f"{n} {sev}" for sev, n in s.by_severity if n)
    console.print(
        f"{s.findings - s.findings_from_fix} TorchScript constructs"
        + (f" and {s.findings_from_fix} data-dependent ifs" if s.findings_from_fix else "")
        + f" in {s.files_with_findings} files"
        + (f" ({severities})" if severities else "")
        + f"; {s.rewrites_safe} safe and {s.rewrites_unsafe} unsafe rewrites, {s.manual} left for a human",
        highlight=False,
        soft_wrap=True,
    )
    if report.targets:
        console.print(
            f"{s.targets} targets: " + ", ".join(verdict_count(v, n) for v, n in s.by_verdict if n),
            highlight=False,
            soft_wrap=True,
        )
        table = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
        table.add_column("target", no_wrap=True)
        table.add_column("route", no_wrap=True)
        table.add_column("not ok")
        for t in report.targets:
            table.add_row(t.name, VERDICT_LABELS[t.verdict], not_ok(t) or "[green]none[/]")
        console.print(table)
    for kind, path in written.items():
        console.print(f"{kind}: [bold]{escape(path)}[/]", highlight=False, soft_wrap=True)
