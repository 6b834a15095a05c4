"""One target's section: its strategy results, their links to findings, its verdict (pure).

Links: a result whose error names "file:line" is linked to the findings in that scope (see
:func:`migrate.report.sources.link_span`); the target itself also to the findings inside its builder
function and inside every top-level class or function the builder uses, followed through the
imports between scanned files (:func:`migrate.report.sources.reachable_spans`). Building a ``WrapRNN`` that holds a
scripted ``MyRNNLoop`` that traces a cell links all three constructs to the target.
"""

from __future__ import annotations

from migrate.report.model import (
    BLOCKED,
    CLEAN,
    FALLBACK,
    TORCHSCRIPT,
    Check,
    Finding,
    Inputs,
    StrategyResult,
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
from migrate.report.values import (
    code_after_reference,
    draft_summary,
    first_line,
    float_value,
    without_prefix,
)

# Table order of the known strategies; unknown ones follow in the order first seen.
STRATEGY_ORDER = (
    "eager", "jit.script", "jit.trace", "jit.freeze", "export", "export.strict", "export.dynamic",
    "ts2ep", "aoti", "cpp.torchscript", "cpp.aoti", "jit.load",
)
CLEAN_STRATEGIES = ("export", "export.strict")
FALLBACK_STRATEGIES = ("export.dynamic", "ts2ep")
TORCHSCRIPT_STRATEGIES = ("jit.script", "jit.trace", "jit.freeze", "cpp.torchscript", "jit.load")
TORCHSCRIPT_REFERENCES = ("jit.script", "jit.trace", "jit.load")  # baseline of the "vs TorchScript" ratio


def strategy_order(raw_targets: list) -> tuple[str, ...]:
    """Every strategy name in the results: the known ones in table order, then the others."""
    seen: list[str] = []
    for target in raw_targets:
        for result in (target.get("results") or []) if isinstance(target, dict) else []:
            name = str(result.get("strategy", "")) if isinstance(result, dict) else ""
            if name and name not in seen:
                seen.append(name)
    known = [s for s in STRATEGY_ORDER if s in seen]
    return tuple(known + [s for s in seen if s not in known])


def target_section(
    raw: dict, inputs: Inputs, paths: list[str], scopes: dict, outlines: dict, findings: list[Finding],
    warnings: list[str],
) -> TargetSection:
    """The section of one converter target (``raw``: one entry of the convert JSON's ``targets``)."""
    name = str(raw.get("name", "") or "unnamed target")
    raw_results = [r for r in raw.get("results") or [] if isinstance(r, dict) and r.get("strategy")]
    if not raw_results:
        warnings.append(f"convert: target {name} has no strategy results")
    latency = {str(r["strategy"]): _latency(r) for r in raw_results}
    statuses = {str(r["strategy"]): str(r.get("status") or "failed") for r in raw_results}
    eager = latency.get("eager", (None, None, None))[0] if statuses.get("eager") == "ok" else None
    reference = next((s for s in TORCHSCRIPT_REFERENCES if statuses.get(s) == "ok" and latency[s][0]), "")
    reference_ms = latency[reference][0] if reference else None

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

    results = []
    for r in raw_results:
        strategy = str(r["strategy"])
        median, iqr, runs = latency[strategy]
        ref = parse_reference(r.get("source_line"), r.get("error"), r.get("cause")) if statuses[strategy] != "ok" else None
        linked, line_text = locate(ref, code_after_reference(r.get("source_line")))
        results.append(
            StrategyResult(
                strategy=strategy,
                status=statuses[strategy],
                error_type=str(r.get("error_type") or ""),
                error=without_prefix(first_line(r.get("error")), str(r.get("error_type") or "")),
                cause=first_line(r.get("cause")),
                source_line=f"{ref[0]}:{ref[1]}" if ref else first_line(r.get("source_line")),
                source_text=line_text,
                hint=first_line(r.get("hint")),
                notes=tuple(first_line(n) for n in r.get("notes") or [] if first_line(n)),
                seconds=float_value(r.get("seconds")),
                artifact=str(r.get("artifact") or ""),
                draft_export=draft_summary(r.get("draft_export")),
                checks=tuple(_check(c) for c in r.get("checks") or [] if isinstance(c, dict)),
                latency_median_ms=median,
                latency_iqr_ms=iqr,
                latency_runs=runs,
                ratio_to_eager=median / eager if median and eager else None,
                ratio_to_torchscript=median / reference_ms if median and reference_ms else None,
                findings=linked,
            )
        )
    builder, stale = _built_by(parse_reference(str(raw.get("source") or "")), inputs.root, paths, outlines, findings)
    all_linked = tuple(dict.fromkeys([i for r in results for i in r.findings] + list(builder)))
    check_labels = tuple(dict.fromkeys(c.input for r in results for c in r.checks))
    verdict, reason = _verdict(results)
    order = {s: i for i, s in enumerate(STRATEGY_ORDER)}
    results.sort(key=lambda r: order.get(r.strategy, len(order)))
    return TargetSection(
        name=name,
        anchor=target_anchor(name),
        source=str(raw.get("source") or ""),
        verdict=verdict,
        verdict_reason=reason,
        results=tuple(results),
        check_inputs=check_labels,
        findings=tuple(sorted(all_linked, key=lambda i: int(i[1:]))),
        torchscript_reference=reference,
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


def _verdict(results: list[StrategyResult]) -> tuple[str, str]:
    """Which migration route the target has, and why, in one sentence."""
    by_name = {r.strategy: r for r in results}
    ok = [r.strategy for r in results if r.status == "ok"]
    eager = by_name.get("eager")
    if eager is not None and eager.status != "ok":
        return BLOCKED, f"the eager reference itself {eager.status}: {eager.one_line or 'no detail'}"

    def failed(names: tuple[str, ...]) -> str:
        """"export, export.strict failed: cause; ts2ep skipped" (strategies grouped by outcome)."""
        groups: dict[tuple[str, str], list[str]] = {}
        for n in names:
            if n in by_name:
                groups.setdefault((by_name[n].status, by_name[n].cause), []).append(n)
        return "; ".join(f"{', '.join(ns)} {status}" + (f": {cause}" if cause else "") for (status, cause), ns in groups.items())

    clean = [s for s in CLEAN_STRATEGIES if s in ok]
    if clean:
        return CLEAN, " and ".join(clean) + " ok"
    fallback = [s for s in FALLBACK_STRATEGIES if s in ok]
    if fallback:
        why = failed(CLEAN_STRATEGIES)
        return FALLBACK, (f"{why}; " if why else "") + " and ".join(fallback) + " ok"
    torchscript = [s for s in TORCHSCRIPT_STRATEGIES if s in ok]
    why = failed(CLEAN_STRATEGIES + FALLBACK_STRATEGIES) or "no export strategy ran"
    if torchscript:
        return TORCHSCRIPT, f"{why}; only {', '.join(torchscript)} ok"
    return BLOCKED, why


def _latency(raw: dict) -> tuple[float | None, float | None, int | None]:
    latency = raw.get("latency_ms")
    if not isinstance(latency, dict):
        return None, None, None
    runs = latency.get("runs")
    return float_value(latency.get("median")), float_value(latency.get("iqr")), int(runs) if isinstance(runs, (int, float)) else None


def _check(raw: dict) -> Check:
    ok = raw.get("ok")
    return Check(
        input=str(raw.get("label", raw.get("input", "?"))),  # "input" in drafts before schema 1
        max_abs_error=float_value(raw.get("max_abs_error")),
        max_rel_error=float_value(raw.get("max_rel_error")),
        ok=ok if isinstance(ok, bool) else None,
        error=first_line(raw.get("error")),
    )
