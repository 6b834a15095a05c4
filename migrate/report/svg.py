"""Hand-built inline SVG charts: small, sharp at any zoom, no plotting library, no script.

Each function returns SVG markup (a string safe to insert into HTML: every text is escaped).
"""

from __future__ import annotations

from html import escape

from migrate.report import formatting
from migrate.report.model import BLOCKED, CLEAN, FALLBACK, TORCHSCRIPT, VERDICT_LABELS, TargetSection, verdict_count

FAMILY_COLOURS = {  # by the family each strategy declares (migrate/convert/strategies/base.py FAMILIES)
    "reference": "#6b7280",
    "torchscript": "#d97706",
    "export": "#2563eb",
    "fallback": "#0891b2",
    "compiled": "#047857",
    "cpp": "#6d28d9",
}
OTHER_COLOUR = "#475569"
VERDICT_COLOURS = {CLEAN: "#16a34a", FALLBACK: "#65a30d", TORCHSCRIPT: "#d97706", BLOCKED: "#b91c1c"}

FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"12\""


def family_colour(family: str) -> str:
    return FAMILY_COLOURS.get(family, OTHER_COLOUR)


def latency_chart(target: TargetSection, width: int = 720) -> str:
    """One horizontal bar per strategy with a latency: median, IQR whisker, ratio to TorchScript.

    Failed or mismatching strategies that still have a latency are drawn hatched-grey and marked,
    so a fast but wrong program never looks like a win. Returns "" when nothing has a latency.
    """
    rows = [r for r in target.results if r.latency_median_ms]
    if not rows:
        return ""
    label_w, value_w, row_h, top = 120, 290, 24, 8  # room for "512 µs ×1.63 vs jit.script (mismatch)"
    bar_w = width - label_w - value_w
    largest = max((r.latency_median_ms or 0) + (r.latency_iqr_ms or 0) / 2 for r in rows)
    scale = bar_w / largest if largest else 0
    height = top * 2 + row_h * len(rows)
    title = f"Latency per strategy for {target.name} (median, whisker = interquartile range)"
    out = [
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" {FONT}>',
        f"<title>{escape(title)}</title>",
    ]
    for i, r in enumerate(rows):
        y = top + i * row_h
        mid = y + row_h / 2
        median = r.latency_median_ms or 0
        length = max(1.0, median * scale)
        good = r.status == "ok"
        colour = family_colour(r.family) if good else "#9ca3af"
        out.append(
            f'<text x="{label_w - 8}" y="{mid + 4:.1f}" text-anchor="end" fill="#111827">{escape(r.strategy)}</text>'
        )
        out.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" rx="2" fill="{colour}">'
            f"<title>{escape(r.strategy)}: {formatting.duration_ms(median)} median over {r.latency_runs or '?'} runs"
            f"</title></rect>"
        )
        if r.latency_iqr_ms:
            half = r.latency_iqr_ms * scale / 2
            x1, x2 = label_w + max(0.0, median * scale - half), label_w + median * scale + half
            out.append(
                f'<path d="M{x1:.1f} {mid:.1f}H{x2:.1f}M{x1:.1f} {mid - 4:.1f}V{mid + 4:.1f}M{x2:.1f} {mid - 4:.1f}V{mid + 4:.1f}" '
                f'stroke="#111827" stroke-width="1" fill="none"/>'
            )
        value = formatting.duration_ms(median)
        if r.ratio_to_torchscript is not None and r.strategy != target.torchscript_reference:
            value += f"  {formatting.ratio(r.ratio_to_torchscript)} vs {target.torchscript_reference}"
        if not good:
            value += f"  ({r.status})"
        out.append(
            f'<text x="{label_w + length + 8 + (r.latency_iqr_ms or 0) * scale / 2:.1f}" y="{mid + 4:.1f}" fill="#374151">'
            f"{escape(value)}</text>"
        )
    out.append(f'<path d="M{label_w} {top}V{height - top}" stroke="#9ca3af" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)


def stacked_bar(parts: list[tuple[str, int, str]], label: str, width: int = 360, height: int = 18) -> str:
    """One bar split into coloured parts: (name, count, colour). Returns "" when all counts are 0."""
    total = sum(count for _, count, _ in parts)
    if total <= 0:
        return ""
    out = [
        f'<svg class="bar" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" {FONT}>',
        f"<title>{escape(label)}</title>",
    ]
    x = 0.0
    for name, count, colour in parts:
        if count <= 0:
            continue
        w = width * count / total
        out.append(
            f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" fill="{colour}">'
            f"<title>{escape(name)}: {count}</title></rect>"
        )
        if w >= 18:
            out.append(
                f'<text x="{x + w / 2:.1f}" y="{height / 2 + 4:.1f}" text-anchor="middle" fill="#ffffff" '
                f'font-weight="600">{count}</text>'
            )
        x += w
    out.append("</svg>")
    return "".join(out)


def verdict_bar(by_verdict: tuple[tuple[str, int], ...]) -> str:
    parts = [(VERDICT_LABELS[v], n, VERDICT_COLOURS[v]) for v, n in by_verdict]
    return stacked_bar(parts, "Targets by migration route: " + ", ".join(verdict_count(v, n) for v, n in by_verdict))


def rewrite_bar(safe: int, unsafe: int, manual: int) -> str:
    parts = [("safe rewrite", safe, "#16a34a"), ("unsafe rewrite", unsafe, "#d97706"), ("left for a human", manual, "#6b7280")]
    return stacked_bar(parts, f"Findings: {safe} with a safe rewrite, {unsafe} with an unsafe rewrite, {manual} left for a human")
