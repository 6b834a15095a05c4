"""How numbers and statuses are written, the same in every renderer (pure)."""

from __future__ import annotations

STATUS_SYMBOLS = {  # Markdown and terminal: a symbol next to the word, never the colour alone
    "ok": "✅",
    "mismatch": "⚠️",
    "failed": "❌",
    "timeout": "⏱️",
    "crashed": "💥",
    "skipped": "⏭️",
}
SEVERITY_SYMBOLS = {"error": "🔴", "warning": "🟠", "info": "🔵"}


def duration_ms(ms: float | None) -> str:
    """A latency: microseconds below 1 ms, milliseconds below 1 s, else seconds."""
    if ms is None:
        return "–"
    if ms < 1:
        us = ms * 1000
        return f"{us:.1f} µs" if us < 100 else f"{us:.0f} µs"
    if ms < 1000:
        return f"{ms:.2f} ms" if ms < 100 else f"{ms:.0f} ms"
    return f"{ms / 1000:.2f} s"


def seconds(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.1f} s"


def error(value: float | None) -> str:
    """A max abs/rel error: 0, or 3 significant digits in scientific notation."""
    if value is None:
        return "–"
    return "0" if value == 0 else f"{value:.2e}" if abs(value) < 1e-2 or abs(value) >= 1e3 else f"{value:.3g}"


def ratio(value: float | None) -> str:
    return "–" if value is None else f"×{value:.2f}"


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}\u202f%"


def status(value: str) -> str:
    return f"{STATUS_SYMBOLS.get(value, '❔')} {value}"


def text_bar(value: float, largest: float, width: int = 20) -> str:
    """A bar of block characters for Markdown and the terminal."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(width * 8 * value / largest))
    full, rest = divmod(eighths, 8)
    return "█" * full + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[rest]
