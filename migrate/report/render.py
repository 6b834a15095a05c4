"""Render a :class:`Report` as HTML and Markdown (Jinja2 templates in ``templates/``).

The HTML is one self-contained file: CSS inlined from ``templates/style.css``, charts as inline
SVG, a strict Content-Security-Policy that forbids every network fetch, and an optional few lines
of script that only sort tables (the page reads the same without it).
"""

from __future__ import annotations

import re

from functools import lru_cache

from migrate.convert.results import Check
from migrate.report import formatting, svg
from migrate.report.model import VERDICT_LABELS, Report, ResultRow, TargetSection, target_anchor, verdict_count

# No fetch of any kind may leave the file: only inline style/script and data: images are allowed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
    "form-action 'none'; base-uri 'none'"
)


class MissingDependency(RuntimeError):
    """jinja2 is not installed (it comes with the ``report`` extra)."""


@lru_cache(maxsize=1)
def _environment():
    try:
        import jinja2
        import markupsafe
    except ImportError as exc:  # pragma: no cover - jinja2 is installed with the report extra
        raise MissingDependency(
            "the report needs jinja2: pip install 'torchscript-migrate[report]' (or pip install jinja2)"
        ) from exc
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("migrate.report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        ms=formatting.duration_ms,
        err=formatting.error,
        ratio=formatting.ratio,
        secs=formatting.seconds,
        pct=formatting.percent,
        status=formatting.status,
        md=markdown_cell,
        mdcode=markdown_code,
        code=code_span,
        fence=code_fence,
        prose=prose_html,
    )
    env.globals.update(
        verdict_labels=VERDICT_LABELS,
        verdict_count=verdict_count,
        status_symbols=formatting.STATUS_SYMBOLS,
        severity_symbols=formatting.SEVERITY_SYMBOLS,
        text_bar=formatting.text_bar,
        csp=markupsafe.Markup(CONTENT_SECURITY_POLICY),  # a constant: no escaping needed
        find_check=find_check,
        repeats=repeats,
        target_anchor=target_anchor,
    )
    return env


def render_html(report: Report) -> str:
    from markupsafe import Markup  # installed with jinja2

    env = _environment()
    charts = {t.name: Markup(svg.latency_chart(t)) for t in report.targets}
    s = report.summary
    return env.get_template("index.html.j2").render(
        report=report,
        s=s,
        charts=charts,
        verdict_bar=Markup(svg.verdict_bar(s.by_verdict)),
        rewrite_bar=Markup(svg.rewrite_bar(s.rewrites_safe, s.rewrites_unsafe, s.manual)),
        css=Markup(env.loader.get_source(env, "style.css")[0]),
        diff_lines=diff_lines,
        diff_stats=diff_stats,
        family_colour=svg.family_colour,
    )


def render_markdown(report: Report) -> str:
    return _environment().get_template("report.md.j2").render(report=report, s=report.summary)


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """Each line of a unified diff with its kind: add, del, hunk, head or context (for colouring)."""
    kinds = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kinds.append(("head", line))
        elif line.startswith("@@"):
            kinds.append(("hunk", line))
        elif line.startswith("+"):
            kinds.append(("add", line))
        elif line.startswith("-"):
            kinds.append(("del", line))
        else:
            kinds.append(("ctx", line))
    return kinds


def prose_html(text: str):
    """Catalogue text as HTML: escaped, `code` spans kept as code, line breaks kept."""
    from markupsafe import Markup, escape

    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: show the text as it is
        parts = [str(text)]
    html = "".join(f"<code>{escape(p)}</code>" if i % 2 else str(escape(p)) for i, p in enumerate(parts))
    return Markup(html.replace("\n", "<br>\n"))


def repeats(target: TargetSection) -> dict[str, str]:
    """For each result whose cause, source line and hint equal an earlier result's: that strategy.

    Three export variants failing on the same line say so once; the others point at it.
    """
    first: dict[tuple[str, str, str], str] = {}
    same: dict[str, str] = {}
    for r in target.results:
        key = (r.cause, r.source_line, r.hint)
        if r.status == "ok" or not (r.source_line or r.hint):
            continue
        if key in first:
            same[r.strategy] = first[key]
        else:
            first[key] = r.strategy
    return same


def find_check(result: ResultRow, label: str) -> Check | None:
    """The check of ``result`` on the input called ``label`` (None when it was not checked on it)."""
    return next((c for c in result.checks if c.label == label), None)


def diff_stats(diff: str) -> tuple[int, int]:
    """(added, removed) lines of a unified diff."""
    kinds = [kind for kind, _ in diff_lines(diff)]
    return kinds.count("add"), kinds.count("del")


def markdown_cell(text: object) -> str:
    """Plain text safe in Markdown, also inside a table cell: one line, nothing read as markup."""
    value = str(text if text is not None else "").replace("\\", "\\\\")
    for char in "`*_[]":
        value = value.replace(char, "\\" + char)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def markdown_code(text: object) -> str:
    """Text inside a Markdown code span in a table cell: one line, pipes escaped, no backtick."""
    value = str(text if text is not None else "").replace("`", "'")
    return value.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def code_span(text: object) -> str:
    """A whole Markdown code span (`a.py`) for any text, backticks included: the fence is longer than
    every run of backticks inside (CommonMark), so a file named ``a`<b>`.py`` cannot end it early and
    let HTML through. One line."""
    value = str(text if text is not None else "").replace("\r", " ").replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip(" ") else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def code_fence(lines) -> str:
    """The fence for a fenced code block holding ``lines`` (text or a list of lines): three backticks,
    or more than the longest run of backticks in it, so a source line of ``` cannot close it early."""
    text = lines if isinstance(lines, str) else "\n".join(str(getattr(line, "text", line)) for line in lines)
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    return "`" * (longest + 1)
