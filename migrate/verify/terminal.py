"""The terminal view of a verify result: one row per target (route, eager, each strategy before -> after),
then each regression with its cause and hunks, then the improvements."""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from migrate.convert.table import STATUS_STYLE
from migrate.report.model import VERDICT_SHORT

ROUTE_STYLE = {"clean": "green", "fallback": "yellow", "torchscript": "red", "blocked": "bold red", None: "dim"}


def _status(value: str | None) -> Text:
    return Text(value or "–", style=STATUS_STYLE.get(value or "", "dim"))


def _transition(before: str | None, after: str | None) -> Text:
    if before == after:
        return _status(after)
    text = _status(before)
    text.append(" → ")
    text.append_text(_status(after))
    return text


def _route(route: dict) -> Text:
    verdict = route.get("route")
    return Text(VERDICT_SHORT.get(verdict, route.get("label", "?")) if verdict else "–", style=ROUTE_STYLE.get(verdict, ""))


def _eager(target: dict) -> Text:
    eager = target["eager"]
    kinds = {r.get("what") for r in target["regressions"] if r["kind"] == "eager"}
    if "build" in kinds:
        return Text("BROKEN", style="bold red")  # the rewritten target no longer builds or runs
    if kinds:
        return Text("CHANGED", style="bold red")
    if eager["ok"]:
        return Text(f"same on {len(eager['checks'])}", style="green")
    return Text("not compared", style="dim")


def summary_table(result: dict) -> Table:
    strategies = list(dict.fromkeys(row["strategy"] for t in result["targets"] for row in t["matrix"]))
    table = Table(title=f"migrate verify · {'safe and unsafe' if result['unsafe'] else 'safe'} rewrites · "
                        f"{result['summary']['rewrites']} in {result['summary']['files_rewritten']} file(s)",
                  show_lines=True)
    table.add_column("target", no_wrap=True)
    table.add_column("route", no_wrap=True)
    table.add_column("eager after\nvs before")
    for name in strategies:
        table.add_column(name, overflow="fold", min_width=6)
    for target in result["targets"]:
        route = _route(target["route_before"])
        if target["route_before"].get("route") != target["route_after"].get("route"):
            route.append(" → ")
            route.append_text(_route(target["route_after"]))
        cells = {row["strategy"]: _transition(row["before"], row["after"]) for row in target["matrix"]}
        table.add_row(Text(target["name"], style="bold red" if target["regressions"] else ""), route, _eager(target),
                      *[cells.get(s, Text("–", style="dim")) for s in strategies])
    return table


def details(result: dict) -> list:
    parts: list = []
    if result["regressions"]:
        parts.append(Text(f"\nRegressions ({len(result['regressions'])}):", style="bold red"))
    for regression in result["regressions"]:
        parts.append(Text(f"  {regression['target']}: {regression['detail']}", style="red"))
        if regression.get("caused_by"):
            parts.append(Text(f"    caused by: {', '.join(regression['caused_by'])}"
                              + (f" ({regression['bisect']})" if regression.get("bisect") not in (None, "not needed") else ""),
                              style="dim"))
        for hunk in regression.get("hunks", []):
            parts.append(Text(f"    {hunk['path']}:", style="dim"))
            parts.append(Syntax(hunk["diff"], "diff", theme="ansi_dark", background_color="default"))
    expected = [(t["name"], f) for t in result["targets"] for f in t["new_failures"] if f.get("expected")]
    if expected:
        parts.append(Text(f"\nTorchScript strategies that stopped working (expected once the code leaves TorchScript; "
                          f"{len(expected)}):", style="bold"))
        for name, failure in expected:
            parts.append(Text(f"  {name}: {failure['detail']}", style="dim"))
    if result["improvements"]:
        parts.append(Text(f"\nImprovements ({len(result['improvements'])}):", style="bold green"))
        for improvement in result["improvements"]:
            parts.append(Text(f"  {improvement['target']}: {improvement['strategy']} {improvement['before']} → ok"
                              + (f" (rewrites in {', '.join(improvement['rewrites'])})" if improvement["rewrites"] else ""),
                              style="green"))
    s = result["summary"]
    before = ", ".join(f"{n} {VERDICT_SHORT[v]}" for v, n in s["routes_before"].items() if n)
    after = ", ".join(f"{n} {VERDICT_SHORT[v]}" for v, n in s["routes_after"].items() if n)
    parts.append(Text(f"\n{s['targets']} target(s); routes before: {before or '–'}; after: {after or '–'}; "
                      f"eager unchanged on {s['eager_unchanged']}; {s['regressions']} regression(s), "
                      f"{s['improvements']} improvement(s)", style="bold"))
    for error in result["errors"]:
        parts.append(Text(f"warning: {error.get('path') or error.get('file')}: {error.get('reason') or error.get('message')}",
                          style="yellow"))
    return parts


def render(result: dict) -> Group:
    return Group(summary_table(result), *details(result))


def render_text(result: dict) -> str:
    """Plain text as wide as the table needs (for files and pipes)."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=400, no_color=True, force_terminal=False)
    console.print(render(result))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"
