"""Join scan findings, codemod suggestions and conversion results into one :class:`Report`.

Pure: ``build_report(inputs, environment, generated)`` reads only its arguments. The join that no
single stage can make:

- a conversion failure whose error names a source line ("file:line") is linked to the scan findings
  in that file and scope (the function holding the line; for a method, its whole class, since a
  method calls the submodules its ``__init__`` scripted or traced);
- the findings inside a target's own builder function (``@migrate.target``) are linked to it;
- each finding lists the targets it is linked to, the reverse of the two above.
"""

from __future__ import annotations

from collections import Counter

from migrate.report import readiness as readiness_mod
from migrate.report.model import (
    BLOCKED,
    CLEAN,
    FALLBACK,
    SEVERITIES,
    TORCHSCRIPT,
    Check,
    Count,
    FileSection,
    Finding,
    Inputs,
    Report,
    StrategyResult,
    Summary,
    TargetSection,
)
from migrate.report.sources import (
    innermost,
    link_span,
    match_path,
    parse_reference,
    python_scopes,
    reachable_spans,
    snippet,
    source_line_text,
    top_level_definitions,
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


def build_report(
    inputs: Inputs,
    *,
    environment: dict[str, str] | None = None,
    generated: str = "",
    title: str = "",
    tool_version: str = "",
) -> Report:
    warnings = list(inputs.warnings)
    raw_findings = _list(inputs.scan, "findings", warnings, "scan")
    finding_paths = {str(f.get("path", "")) for f in raw_findings if isinstance(f, dict)}
    paths = sorted(finding_paths | set(inputs.sources))  # sources may add targets files without findings
    python = [path for path in paths if path.endswith((".py", ".pyi"))]
    scopes = {path: python_scopes(inputs.sources.get(path, "")) for path in python}
    definitions = {path: top_level_definitions(inputs.sources.get(path, "")) for path in python}
    rewrites = _rewrites(inputs.fix)

    # 1. findings, numbered in report order, without their target links yet
    ordered = sorted(
        (f for f in raw_findings if isinstance(f, dict)),
        key=lambda f: (str(f.get("path", "")), _int(f.get("line")), _int(f.get("column"))),
    )
    base_findings = [_finding(i + 1, f, inputs, scopes, rewrites) for i, f in enumerate(ordered)]

    # 2. targets, each linked to findings
    raw_targets = _list(inputs.convert, "targets", warnings, "convert")
    for error in (inputs.convert or {}).get("errors") or []:
        if isinstance(error, dict):
            warnings.append(f"convert: {error.get('file', '?')}: {_first_line(error.get('message')) or 'could not be read'}")
    strategies = _strategy_order(raw_targets)
    targets = [_target(t, inputs, paths, scopes, definitions, base_findings, warnings) for t in raw_targets if isinstance(t, dict)]

    # 3. reverse links: finding -> targets
    linked: dict[str, list[str]] = {}
    for target in targets:
        for finding_id in target.findings:
            linked.setdefault(finding_id, []).append(target.name)
    findings = [_with_targets(f, tuple(linked.get(f.id, ()))) for f in base_findings]

    files = _files(findings, inputs)
    summary = _summary(inputs, findings, targets, strategies)
    return Report(
        title=title or "TorchScript migration report",
        tool_version=tool_version,
        generated=generated,
        environment=_environment(inputs.convert, environment or {}, generated, tool_version),
        summary=summary,
        files=files,
        targets=tuple(targets),
        warnings=tuple(dict.fromkeys(warnings)),
        inputs=inputs,
    )


# ---------------------------------------------------------------- findings and files


def _rewrites(fix: dict | None) -> dict[tuple[str, int, str], dict]:
    """Rewrites of the fix stage by (path, line, rule)."""
    found: dict[tuple[str, int, str], dict] = {}
    for file in (fix or {}).get("files") or []:
        if not isinstance(file, dict):
            continue
        for rewrite in file.get("rewrites") or []:
            if isinstance(rewrite, dict):
                found[(str(file.get("path", "")), _int(rewrite.get("line")), str(rewrite.get("rule", "")))] = rewrite
    return found


def _finding(number: int, raw: dict, inputs: Inputs, scopes: dict, rewrites: dict) -> Finding:
    path, line = str(raw.get("path", "")), _int(raw.get("line"))
    if inputs.fix is not None:
        rewrite = rewrites.get((path, line, str(raw.get("rule", ""))))
        safety = str(rewrite.get("safety", "")) if rewrite else None
        reason = str(rewrite.get("reason", "") or "") if rewrite else ""
    else:  # no fix stage: what the catalogue says a codemod can do
        fixable = str(raw.get("fixable", "none"))
        safety, reason = (fixable, "") if fixable in ("safe", "unsafe") else (None, "")
    scope = innermost(scopes.get(path, ()), line)
    return Finding(
        id=f"F{number}",
        path=path,
        line=line,
        column=_int(raw.get("column")),
        rule=str(raw.get("rule", "")),
        api=str(raw.get("api", "")),
        severity=str(raw.get("severity", "warning")),
        message=str(raw.get("message", "") or ""),
        recipe=str(raw.get("recipe", "") or ""),
        fixable=str(raw.get("fixable", "none")),
        rewrite=safety if safety in ("safe", "unsafe") else None,
        rewrite_reason=reason,
        snippet=snippet(inputs.sources.get(path), line),
        scope=scope.name if scope else "",
        targets=(),
    )


def _with_targets(finding: Finding, targets: tuple[str, ...]) -> Finding:
    from dataclasses import replace

    return replace(finding, targets=targets)


def _files(findings: list[Finding], inputs: Inputs) -> tuple[FileSection, ...]:
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        by_path.setdefault(finding.path, []).append(finding)
    diffs = {str(f.get("path", "")): str(f.get("diff", "") or "") for f in (inputs.fix or {}).get("files") or [] if isinstance(f, dict)}
    errors: dict[str, str] = {}
    for stage, data in (("scan", inputs.scan), ("fix", inputs.fix)):
        for error in (data or {}).get("errors") or []:
            if isinstance(error, dict):
                errors.setdefault(str(error.get("path", "")), f"{stage}: {error.get('reason', 'unknown error')}")
    paths = sorted(set(by_path) | set(errors) | {p for p, d in diffs.items() if d})
    return tuple(
        FileSection(path, file_anchor(path), tuple(by_path.get(path, ())), diffs.get(path, ""), errors.get(path, ""))
        for path in paths
    )


def file_anchor(path: str) -> str:
    return "file-" + _slug(path)


def target_anchor(name: str) -> str:
    return "target-" + _slug(name)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text).strip("-") or "x"


# ---------------------------------------------------------------- targets


def _strategy_order(raw_targets: list) -> tuple[str, ...]:
    seen: list[str] = []
    for target in raw_targets:
        for result in (target.get("results") or []) if isinstance(target, dict) else []:
            name = str(result.get("strategy", "")) if isinstance(result, dict) else ""
            if name and name not in seen:
                seen.append(name)
    known = [s for s in STRATEGY_ORDER if s in seen]
    return tuple(known + [s for s in seen if s not in known])


def _target(
    raw: dict, inputs: Inputs, paths: list[str], scopes: dict, definitions: dict, findings: list[Finding],
    warnings: list[str],
) -> TargetSection:
    name = str(raw.get("name", "") or "unnamed target")
    raw_results = [r for r in raw.get("results") or [] if isinstance(r, dict) and r.get("strategy")]
    if not raw_results:
        warnings.append(f"convert: target {name} has no strategy results")
    latency = {str(r["strategy"]): _latency(r) for r in raw_results}
    statuses = {str(r["strategy"]): str(r.get("status") or "failed") for r in raw_results}
    eager = latency.get("eager", (None, None, None))[0] if statuses.get("eager") == "ok" else None
    reference = next((s for s in TORCHSCRIPT_REFERENCES if statuses.get(s) == "ok" and latency[s][0]), "")
    reference_ms = latency[reference][0] if reference else None

    def locate(ref: tuple[str, int] | None) -> tuple[tuple[str, ...], str]:
        """Finding ids linked to a "file:line" reference, and that line's text."""
        if ref is None:
            return (), ""
        path = match_path(ref[0], paths, inputs.root)
        if path is None:
            return (), ""
        first, last, _ = link_span(scopes.get(path, ()), ref[1])
        ids = tuple(f.id for f in findings if f.path == path and first <= f.line <= last)
        return ids, source_line_text(inputs.sources.get(path), ref[1])

    results = []
    for r in raw_results:
        strategy = str(r["strategy"])
        median, iqr, runs = latency[strategy]
        ref = parse_reference(r.get("source_line"), r.get("error"), r.get("cause")) if statuses[strategy] != "ok" else None
        linked, line_text = locate(ref)
        results.append(
            StrategyResult(
                strategy=strategy,
                status=statuses[strategy],
                error_type=str(r.get("error_type") or ""),
                error=_without_prefix(_first_line(r.get("error")), str(r.get("error_type") or "")),
                cause=_first_line(r.get("cause")),
                source_line=f"{ref[0]}:{ref[1]}" if ref else _first_line(r.get("source_line")),
                source_text=line_text or _code_after_reference(r.get("source_line")),
                hint=_first_line(r.get("hint")),
                notes=tuple(_first_line(n) for n in r.get("notes") or [] if _first_line(n)),
                seconds=_float(r.get("seconds")),
                artifact=str(r.get("artifact") or ""),
                draft_export=_draft_summary(r.get("draft_export")),
                checks=tuple(_check(c) for c in r.get("checks") or [] if isinstance(c, dict)),
                latency_median_ms=median,
                latency_iqr_ms=iqr,
                latency_runs=runs,
                ratio_to_eager=median / eager if median and eager else None,
                ratio_to_torchscript=median / reference_ms if median and reference_ms else None,
                findings=linked,
            )
        )
    builder = _built_by(parse_reference(str(raw.get("source") or "")), inputs.root, paths, definitions, findings)
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
    )


def _built_by(ref, root: str, paths: list[str], definitions: dict, findings: list[Finding]) -> tuple[str, ...]:
    """Ids of the findings in the target's builder function and in every class or function it uses."""
    if ref is None:
        return ()
    path = match_path(ref[0], paths, root)
    if path is None:
        return ()
    spans = reachable_spans(definitions, path, ref[1])
    return tuple(f.id for f in findings if any(p == f.path and a <= f.line <= b for p, a, b in spans))


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
    return _float(latency.get("median")), _float(latency.get("iqr")), int(runs) if isinstance(runs, (int, float)) else None


def _check(raw: dict) -> Check:
    ok = raw.get("ok")
    return Check(
        input=str(raw.get("label", raw.get("input", "?"))),  # "input" in drafts before schema 1
        max_abs_error=_float(raw.get("max_abs_error")),
        max_rel_error=_float(raw.get("max_rel_error")),
        ok=ok if isinstance(ok, bool) else None,
        error=_first_line(raw.get("error")),
    )


# ---------------------------------------------------------------- summary and environment


def _summary(inputs: Inputs, findings: list[Finding], targets: list[TargetSection], strategies: tuple[str, ...]) -> Summary:
    scan_summary = (inputs.scan or {}).get("summary") or {}
    severity = Counter(f.severity for f in findings)
    severities = list(SEVERITIES) + sorted(s for s in severity if s not in SEVERITIES)
    api_counts: dict[str, Counter] = {}
    for finding in findings:
        api_counts.setdefault(finding.api, Counter())[finding.severity] += 1
    by_api = tuple(
        Count(api, tuple((s, c[s]) for s in severities), sum(c.values()))
        for api, c in sorted(api_counts.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    )
    safe = sum(1 for f in findings if f.rewrite == "safe")
    unsafe = sum(1 for f in findings if f.rewrite == "unsafe")
    verdicts = Counter(t.verdict for t in targets)
    files_scanned = scan_summary.get("files_scanned")
    errors = (inputs.scan or {}).get("errors") or []
    return Summary(
        files_scanned=int(files_scanned) if isinstance(files_scanned, int) else None,
        files_with_findings=len({f.path for f in findings}),
        files_failed=len(errors),
        findings=len(findings),
        by_severity=tuple((s, severity[s]) for s in severities),
        by_api=by_api,
        rewrites_safe=safe,
        rewrites_unsafe=unsafe,
        manual=len(findings) - safe - unsafe,
        rewrite_source="fix" if inputs.fix is not None else "catalogue",
        targets=len(targets),
        by_verdict=tuple((v, verdicts[v]) for v in (CLEAN, FALLBACK, TORCHSCRIPT, BLOCKED)),
        strategies=strategies,
        readiness=readiness_mod.compute(
            targets=len(targets) if inputs.convert is not None else None,
            clean=verdicts[CLEAN],
            fallback=verdicts[FALLBACK],
            findings=len(findings) if inputs.scan is not None else None,
            safe=safe,
            unsafe=unsafe,
        ),
    )


ENVIRONMENT_LABELS = {"torch_version": "torch", "threads": "threads (latency runs)", "wall_seconds": "conversion wall time"}


def _environment(
    convert: dict | None, environment: dict[str, str], generated: str, tool_version: str
) -> tuple[tuple[str, str], ...]:
    """The converter's environment (torch version, threads, ...) first, then the report's own."""
    found: dict[str, str] = {}
    for key, value in (convert or {}).items():
        if key in ("schema_version", "targets") or isinstance(value, (list, dict)) or value is None:
            continue
        if key == "wall_seconds" and isinstance(value, (int, float)):
            value = f"{value:.0f} s"
        found[ENVIRONMENT_LABELS.get(key, key.replace("_", " "))] = str(value)
    extra = (convert or {}).get("environment")
    for key, value in extra.items() if isinstance(extra, dict) else ():
        found.setdefault(str(key).replace("_", " "), str(value))
    for key, value in environment.items():
        found.setdefault(key, str(value))
    if generated:
        found.setdefault("report date", generated)
    if tool_version:
        found.setdefault("tool version", f"torchscript-migrate {tool_version}")
    return tuple(found.items())


# ---------------------------------------------------------------- tolerant readers


def _list(data: dict | None, key: str, warnings: list[str], stage: str) -> list:
    if data is None:
        return []
    value = data.get(key)
    if value is None:
        warnings.append(f"{stage}: the input has no '{key}' list; treated as empty")
        return []
    if not isinstance(value, list):
        warnings.append(f"{stage}: '{key}' is not a list; ignored")
        return []
    return value


def _int(value) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _float(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _first_line(value) -> str:
    text = _text(value)
    return text.strip().splitlines()[0] if text.strip() else ""


def _code_after_reference(value) -> str:
    """The converter writes "file:line: code"; the code part ("" when absent)."""
    parts = _first_line(value).split(":", 2)
    return parts[2].strip() if len(parts) == 3 and parts[1].strip().isdigit() else ""


def _without_prefix(error: str, error_type: str) -> str:
    """"RuntimeError: boom" with error_type RuntimeError -> "boom" (the type is shown beside it)."""
    prefix = f"{error_type}: "
    return error[len(prefix):] if error_type and error.startswith(prefix) else error


def _draft_summary(value) -> str:
    """torch.export.draft_export's report in one line: "2 issues: DATA_DEPENDENT_ERROR Eq(u0, 1) at f.py:3"."""
    if not isinstance(value, dict):
        return _text(value)
    if value.get("ran") is False:
        return f"draft_export did not run: {_first_line(value.get('error')) or 'no reason given'}"
    listed = value.get("failures")
    failures = [f for f in listed if isinstance(f, dict)] if isinstance(listed, list) else []
    if not failures:
        return "no issues found" if value.get("successful") else _text(value)
    parts = []
    for failure in failures:
        where = _first_line(failure.get("user_line"))
        text = " ".join(str(failure[k]) for k in ("type", "expr", "message") if failure.get(k))
        parts.append(text + (f" at {where}" if where else ""))
    return f"{len(failures)} issue{'s' if len(failures) != 1 else ''}: " + "; ".join(parts)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):  # e.g. a draft_export summary given as data
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)
