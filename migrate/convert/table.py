"""The terminal view of a ConvertRun: targets x strategies, then the details of what went wrong.

Each cell: the status (coloured), then for programs that ran the median latency and its ratio to
eager (below 1 is faster), for mismatches the input they differ on, for failures the cause.
"""

from __future__ import annotations

import io

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from migrate.convert.results import ConvertRun, StrategyResult

STATUS_STYLE = {"ok": "green", "mismatch": "bold yellow", "failed": "red", "skipped": "dim", "timeout": "magenta",
                "crashed": "bold magenta"}


def format_ms(ms: float) -> str:
    if ms >= 100:
        return f"{ms:.0f} ms"
    if ms >= 1:
        return f"{ms:.2f} ms"
    return f"{ms * 1000:.1f} µs"


def cell(result: StrategyResult | None, eager_baseline: str | None = None) -> Text:
    if result is None:
        return Text("–", style="dim")
    text = Text(result.status, style=STATUS_STYLE[result.status])
    if result.status == "ok" and result.max_abs_error:
        text.append(f" Δ{result.max_abs_error:.0e}", style="dim")
    if result.status == "mismatch":
        bad = result.failed_checks
        silent = [c for c in bad if not c.raised]
        shown = silent[0] if silent else bad[0] if bad else None
        text.append(f"\n{'wrong' if silent else 'raises'}: {shown.label if shown else '?'}", style="yellow")
        if shown is not None and shown.max_abs_error is not None:
            text.append(f" Δ{shown.max_abs_error:.2g}", style="yellow")
    elif result.status in ("failed", "timeout", "crashed") and result.cause:
        text.append(f"\n{result.cause}", style="dim")
        if result.status == "failed" and result.stage not in (None, "convert"):
            text.append(f"\n(at {result.stage})", style="dim")
    if result.variant:
        text.append(f"\n({result.variant})", style="dim")
    if result.cached:
        text.append("\n(cached)", style="dim")
    if result.latency_ms is not None and result.status in ("ok", "mismatch"):
        text.append(f"\n{format_ms(result.latency_ms.median)}")
        ratio = result.ratios.get("vs_eager")
        if ratio is not None and result.strategy != eager_baseline:
            text.append(f"\n×{ratio:.2f}", style="green" if ratio < 0.95 else "red" if ratio > 1.05 else "")
    return text


def summary_table(run: ConvertRun) -> Table:
    table = Table(title=f"migrate convert · torch {run.torch_version} · {run.threads} thread(s)", show_lines=True)
    table.add_column("target", no_wrap=True)
    for name in run.strategy_names:
        table.add_column(name, overflow="fold", min_width=8)
    for target in run.targets:
        eager = target.baselines.get("eager")
        name = Text(target.name, style="bold")
        if target.reused:
            name.append(f"\n(reused: {target.reused})", style="dim")
        table.add_row(name, *(cell(target.result(n), eager) for n in run.strategy_names))
    return table


def details(run: ConvertRun) -> Text:
    """One paragraph per failure, mismatch, timeout and crash; advice once per cause."""
    text = Text()
    for target in run.targets:
        for r in target.results:
            if r.status == "ok" and worth_noting(r):
                text.append(f"{target.name} · {r.strategy}: ", style="bold")
                text.append("ok", style=STATUS_STYLE["ok"])
                text.append(f" ({r.variant})\n" if r.variant else "\n")
                for note in worth_noting(r):
                    text.append(f"  note: {note}\n", style="dim")
            if r.status in ("ok", "skipped"):
                continue
            text.append(f"{target.name} · {r.strategy}: ", style="bold")
            text.append(f"{r.status}", style=STATUS_STYLE[r.status])
            text.append(f" [{r.cause}]\n" if r.cause else "\n")
            if r.error:
                error = r.error.replace("\n", "\n    ")
                text.append(f"  {r.error_type + ': ' if r.error_type and r.error_type != 'Mismatch' else ''}{error}\n")
            if r.status == "failed" and r.stage not in (None, "convert"):
                text.append(f"  failed at the {r.stage} step (convert succeeded)\n")
            if r.skipped_inputs:
                text.append(f"  not checked on: {'; '.join(r.skipped_inputs)}\n", style="dim")
            if r.source_line:
                text.append(f"  at {r.source_line}\n", style="cyan")
            if r.draft_export and r.draft_export.get("failures"):
                for failure in r.draft_export["failures"]:
                    text.append(f"  draft_export: {failure.get('type')} {failure.get('expr', '')} "
                                f"at {failure.get('user_line', '?')}\n", style="dim")
            if r.hint:
                text.append(f"  hint: {r.hint}\n", style="dim")
    for error in run.errors:
        text.append(f"{error['file']}: {error['message']}\n", style="red")
    return text


NOTEWORTHY = ("disagrees with itself", "depend on the random seed", "not compared", "strict tracing failed")


def worth_noting(result: StrategyResult) -> list[str]:
    """Notes of an ok result a user must read: eager's own spread, leaves not compared, a retried trace."""
    return [n for n in result.notes if any(k in n for k in NOTEWORTHY)]


def summary_line(run: ConvertRun) -> str:
    """One line closing the output: targets, results by status, errors, wall time."""
    counts: dict[str, int] = {}
    for target in run.targets:
        for r in target.results:
            counts[r.status] = counts.get(r.status, 0) + 1
    order = ("ok", "mismatch", "failed", "timeout", "crashed", "skipped")
    statuses = ", ".join(f"{counts[s]} {s}" for s in order if counts.get(s))
    clean = sum(all(r.status in ("ok", "skipped") for r in t.results) for t in run.targets)
    parts = [f"{len(run.targets)} target{'s' if len(run.targets) != 1 else ''} ({clean} with no failure)",
             f"{sum(counts.values())} results: {statuses or 'none'}"]
    if run.errors:
        parts.append(f"{len(run.errors)} file{'s' if len(run.errors) != 1 else ''} not read")
    return " · ".join(parts) + f" · {run.wall_seconds} s"


def stacked(run: ConvertRun) -> Group:
    """The matrix for a narrow terminal: one small table per target (strategy, result on one line)."""
    blocks = []
    for target in run.targets:
        eager = target.baselines.get("eager")
        title = Text(target.name, style="bold")
        if target.reused:
            title.append(f" (reused: {target.reused})", style="dim")
        table = Table(title=title, title_justify="left", show_header=False,
                      box=None, padding=(0, 1))
        table.add_column("strategy", no_wrap=True, style="bold")
        table.add_column("result", overflow="fold")
        for name in run.strategy_names:
            text = cell(target.result(name), eager)
            table.add_row(name, Text(" · ").join(text.split("\n")))
        blocks.append(table)
    return Group(Text(f"migrate convert · torch {run.torch_version} · {run.threads} thread(s)", style="italic"), *blocks)


def render(run: ConvertRun, width: int | None = None) -> Group:
    """The matrix (stacked per target when it does not fit ``width`` without breaking words), the legend,
    one paragraph per problem, and the closing summary line."""
    footer = Text("Δ: largest absolute difference from the reference; latency: median of one call; ×: ratio to "
                  "eager (below 1 is faster); (cached): a compiled package reused from the user cache; (reused): "
                  "--reuse took the target's results from an earlier run; "
                  f"wall time {run.wall_seconds} s" + (f", of which {run.timed_alone_seconds} s timing with the other "
                                                       "workers paused" if run.timed_alone_seconds else ""),
                  style="dim")
    matrix = summary_table(run) if width is None or natural_width(run) <= width else stacked(run)
    return Group(matrix, footer, details(run), Text(summary_line(run), style="bold"))


def natural_width(run: ConvertRun) -> int:
    """The width at which no column of the table has to wrap its cells."""
    return Console(width=1000, file=io.StringIO()).measure(summary_table(run)).maximum


def render_text(run: ConvertRun, width: int | None = None, color: bool = False) -> str:
    """The table as plain text (for --output, and for output that is not a terminal)."""
    buffer = io.StringIO()
    Console(file=buffer, width=width or max(100, natural_width(run)), color_system="standard" if color else None,
            force_terminal=color).print(render(run))
    return buffer.getvalue()
