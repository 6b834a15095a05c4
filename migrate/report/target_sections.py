"""One target's section: its strategy results, their links to findings, its verdict (pure).

Links: a result whose error names "file:line" is linked to the findings in that scope (see
:func:`migrate.report.sources.link_span`); the target itself also to the findings inside its builder
function and inside every top-level class or function the builder uses, followed through the
imports between scanned files (:func:`migrate.report.sources.reachable_spans`). Building a ``WrapRNN`` that holds a
scripted ``MyRNNLoop`` that traces a cell links all three constructs to the target.
"""

from __future__ import annotations

from migrate.convert.results import ConvertRun, TargetResult
from migrate.report.model import (
    BLOCKED,
    ROUTE_FAMILIES,
    Finding,
    Inputs,
    ResultRow,
    TargetSection,
    target_anchor,
)
from migrate.report.sources import (
    defines_at,
    link_span,
    match_path,
    parse_reference,
    reachable_spans,
    source_line_text,
)
from migrate.report.values import code_after_reference, draft_summary, first_line


def target_section(
    target: TargetResult, run: ConvertRun, inputs: Inputs, paths: list[str], scopes: dict, outlines: dict,
    findings: list[Finding], warnings: list[str],
) -> TargetSection:
    """The section of one converter target, as ``ConvertRun.from_dict`` read it."""
    name = target.name or "unnamed target"
    if not target.results:
        warnings.append(f"convert: target {name} has no strategy results")

    def locate(ref: tuple[str, int] | None, code: str) -> tuple[tuple[str, ...], str]:
        """Finding ids linked to a "file:line" reference, and that line's text.

        ``code`` is the line's text as the converter saw it: when the file now has another text
        there, it changed since the conversion, and nothing is linked.
        """
        if ref is None:
            return (), code
        path = match_path(ref[0], paths, inputs.root)
        if path is None:
            return (), code
        text = source_line_text(inputs.sources.get(path), ref[1])
        if code and text and code != text:
            warnings.append(f"convert: target {name}: {ref[0]}:{ref[1]} now reads {text!r}, not {code!r} "
                            "(the file changed since the conversion?); not linked to findings")
            return (), code
        first, last, _ = link_span(scopes.get(path, ()), ref[1])
        return tuple(f.id for f in findings if f.path == path and first <= f.line <= last), text or code

    rows = []
    for r in target.results:
        ref = parse_reference(r.source_line, r.error, r.cause) if r.status != "ok" else None
        linked, line_text = locate(ref, code_after_reference(r.source_line))
        rows.append(ResultRow(
            result=r,
            family=run.family(r.strategy),
            source_line=f"{ref[0]}:{ref[1]}" if ref else first_line(r.source_line),
            source_text=line_text,
            draft_export=draft_summary(r.draft_export),
            findings=linked,
        ))
    builder, stale = _built_by(parse_reference(target.source), inputs.root, paths, outlines, findings)
    all_linked = tuple(dict.fromkeys([i for r in rows for i in r.findings] + list(builder)))
    check_labels = tuple(dict.fromkeys(c.label for r in rows for c in r.checks))
    order = {s: i for i, s in enumerate(run.strategy_names)}
    rows.sort(key=lambda r: order.get(r.strategy, len(order)))
    verdict, reason = _verdict(rows)
    return TargetSection(
        name=name,
        anchor=target_anchor(name),
        source=target.source,
        verdict=verdict,
        verdict_reason=reason,
        results=tuple(rows),
        check_inputs=check_labels,
        findings=tuple(sorted(all_linked, key=lambda i: int(i[1:]))),
        torchscript_reference=target.baselines.get("torchscript", ""),
        python_free=target.python_free or "",
        python_free_vs_torchscript=target.python_free_vs_torchscript,
        stale_source=stale,
    )


def _built_by(
    ref, root: str, paths: list[str], outlines: dict, findings: list[Finding]
) -> tuple[tuple[str, ...], bool]:
    """Ids of the findings in the target's builder function and in every class or function it uses,
    and whether the reference is stale (names no definition line in the current file)."""
    if ref is None:
        return (), False
    path = match_path(ref[0], paths, root)
    if path is None or path not in outlines or not outlines[path].definitions:
        return (), False
    if not defines_at(outlines, path, ref[1]):
        return (), True
    spans = reachable_spans(outlines, path, ref[1])
    return tuple(f.id for f in findings if any(p == f.path and a <= f.line <= b for p, a, b in spans)), False


def route_of(target: TargetResult, run: ConvertRun) -> tuple[str, str]:
    """The route of one converted target (verdict, reason), as the report gives it: for callers that
    have a conversion run but no report (``migrate verify``'s before/after)."""
    rows = [ResultRow(result=r, family=run.family(r.strategy), source_line="", source_text="", draft_export="",
                      findings=()) for r in target.results]
    return _verdict(rows)


def _verdict(results: list[ResultRow]) -> tuple[str, str]:
    """Which migration route the target has, and why, in one sentence (from the strategies' families)."""
    reference = next((r for r in results if r.family == "reference"), None)
    if reference is not None and reference.status != "ok":
        return BLOCKED, f"the {reference.strategy} reference itself {reference.status}: {reference.one_line or 'no detail'}"

    def failed(families: list[str]) -> str:
        """"export, export.strict failed: cause; ts2ep skipped" (strategies grouped by outcome)."""
        groups: dict[tuple[str, str], list[str]] = {}
        for r in results:
            if r.family in families:
                groups.setdefault((r.status, r.cause), []).append(r.strategy)
        return "; ".join(f"{', '.join(ns)} {status}" + (f": {cause}" if cause else "") for (status, cause), ns in groups.items())

    tried: list[str] = []
    for verdict, family in ROUTE_FAMILIES:
        ok = [r.strategy for r in results if r.family == family and r.status == "ok"]
        if ok:
            why = failed(tried)
            if family == "torchscript":
                return verdict, f"{why or 'no export strategy ran'}; only {', '.join(ok)} ok"
            return verdict, (f"{why}; " if why else "") + " and ".join(ok) + " ok"
        tried.append(family)
    return BLOCKED, failed(tried[:-1]) or "no export strategy ran"
