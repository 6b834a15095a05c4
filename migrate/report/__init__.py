"""Side-by-side migration report: scan findings, codemod suggestions and conversion results joined.

``migrate report PATH --targets models.py --out reports/NAME`` writes ``index.html`` (one
self-contained file), ``report.md`` and ``report.json``. From Python::

    from migrate.report import Request, build, write
    report = build(Request(path="src", targets=["models.py"]))
    write(report, "reports/src")

The data flow: :mod:`inputs` (read JSON or run the stages) -> :mod:`join` (pure: the
:class:`~migrate.report.model.Report`; conversion results are read by the convert stage's own
``ConvertRun.from_dict``, and :mod:`target_sections` builds each target's section, its links and
its route from the strategies' families) -> :mod:`render` / :mod:`json_report` / :mod:`terminal`.
Ratios are convert's, shown as they are.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

from migrate import __version__
from migrate.report.inputs import InputError, Request, environment, load
from migrate.report.join import build_report
from migrate.report.model import Inputs, Report

__all__ = ["Request", "Inputs", "InputError", "Report", "build", "build_report", "write"]

OUTPUT_FILES = {"HTML": "index.html", "Markdown": "report.md", "JSON": "report.json"}


def build(request: Request, *, title: str = "", progress=print) -> Report:
    """Load (or run) the three stages and join them. Raises InputError for a JSON input that cannot be used."""
    inputs = load(request, progress=progress)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return build_report(inputs, environment=environment(), generated=now, title=title, tool_version=__version__)


def write(report: Report, out_dir: str | os.PathLike) -> dict[str, str]:
    """Write index.html, report.md and report.json into ``out_dir``; returns {kind: path}."""
    from migrate.report.json_report import render_json
    from migrate.report.render import render_html, render_markdown

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    rendered = {"HTML": render_html(report), "Markdown": render_markdown(report), "JSON": render_json(report)}
    written = {}
    for kind, text in rendered.items():
        path = folder / OUTPUT_FILES[kind]
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
        written[kind] = str(path)
    return written
