"""Join scan findings, codemod suggestions and conversion results into one :class:`Report`.

Pure: ``build_report(inputs, environment, generated)`` reads only its arguments. The join that no
single stage can make:

- a conversion failure whose error names a source line ("file:line") is linked to the scan findings
  in that file and scope (the function holding the line; for a method, its whole class, since a
  method calls the submodules its ``__init__`` scripted or traced);
- the findings inside a target's own builder function (``@migrate.target``) and inside every
  top-level class or function it uses, directly or through others, are linked to it (see
  :mod:`migrate.report.target_sections`);
- each finding lists the targets it is linked to, the reverse of the two above.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from migrate.convert.results import ConvertRun
from migrate.report import readiness as readiness_mod
from migrate.report.model import (
    BLOCKED,
    CLEAN,
    FALLBACK,
    SEVERITIES,
    TORCHSCRIPT,
    Count,
    FileSection,
    Finding,
    Inputs,
    Report,
    Summary,
    TargetSection,
    file_anchor,
)
from migrate.report.sources import innermost, outline, python_scopes, snippet
from migrate.report.target_sections import target_section
from migrate.report.values import first_line, int_value, list_field


def build_report(
    inputs: Inputs,
    *,
    environment: dict[str, str] | None = None,
    generated: str = "",
    title: str = "",
    tool_version: str = "",
) -> Report:
    warnings = list(inputs.warnings)
    raw_findings = list_field(inputs.scan, "findings", warnings, "scan")
    raw_findings = raw_findings + fix_only_findings(inputs.fix, raw_findings)
    finding_paths = {str(f.get("path", "")) for f in raw_findings if isinstance(f, dict)}
    paths = sorted(finding_paths | set(inputs.sources))  # sources may add targets files without findings
    python = [path for path in paths if path.endswith((".py", ".pyi"))]
    scopes = {path: python_scopes(inputs.sources.get(path, "")) for path in python}
    outlines = {path: outline(inputs.sources.get(path, "")) for path in python}
    rewrites = _rewrites(inputs.fix)
    manual = _manual_reasons(inputs.fix)

    # 1. findings, numbered in report order, without their target links yet
    ordered = sorted(
        (f for f in raw_findings if isinstance(f, dict)),
        key=lambda f: (str(f.get("path", "")), int_value(f.get("line")), int_value(f.get("column"))),
    )
    base_findings = [_finding(i + 1, f, inputs, scopes, rewrites, manual) for i, f in enumerate(ordered)]

    # 2. targets, each linked to findings
    list_field(inputs.convert, "targets", warnings, "convert")  # only to warn when it is missing
    run = ConvertRun.from_dict(inputs.convert or {}, any_version=True)  # the convert stage's own reader
    for error in run.errors:
        warnings.append(f"convert: {error.get('file', '?')}: {first_line(error.get('message')) or 'could not be read'}")
    targets = [target_section(t, run, inputs, paths, scopes, outlines, base_findings, warnings) for t in run.targets]

    if inputs.verify:  # the verified migration: each target's before/after, by name
        verified = {t.get("name"): t for t in inputs.verify.get("targets") or [] if isinstance(t, dict)}
        targets = [replace(t, verified=verified.get(t.name)) for t in targets]

    stale = [t for t in targets if t.stale_source]
    if stale:
        files = sorted({t.source.rsplit(":", 1)[0] for t in stale})
        warnings.append(
            f"convert: {', '.join(files)} changed since the conversion (the line given for "
            f"{', '.join(t.name for t in stale)} no longer starts a function): the classes those targets build "
            "are not linked to findings; convert again for a consistent report"
        )

    # 3. reverse links: finding -> targets
    linked: dict[str, list[str]] = {}
    for target in targets:
        for finding_id in target.findings:
            linked.setdefault(finding_id, []).append(target.name)
    findings = [_with_targets(f, tuple(linked.get(f.id, ()))) for f in base_findings]

    files = _files(findings, inputs)
    summary = _summary(inputs, findings, targets, run)
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
                found[(str(file.get("path", "")), int_value(rewrite.get("line")), str(rewrite.get("rule", "")))] = rewrite
    return found


def fix_only_findings(fix: dict | None, scan_findings: list) -> list[dict]:
    """What the fix stage found that the scan does not report (e.g. TS601, a data-dependent ``if``
    that needs ``torch.cond``), as findings: a failed export often points at exactly these lines."""
    known = {(str(f.get("path", "")), int_value(f.get("line")), str(f.get("rule", ""))) for f in scan_findings
             if isinstance(f, dict)}
    found: dict[tuple[str, int, str], dict] = {}
    items = [(str(file.get("path", "")), r, "rewrite") for file in (fix or {}).get("files") or [] if isinstance(file, dict)
             for r in file.get("rewrites") or [] if isinstance(r, dict)]
    items += [(str(m.get("path", "")), m, "manual") for m in (fix or {}).get("manual") or [] if isinstance(m, dict)]
    for path, item, kind in items:
        key = (path, int_value(item.get("line")), str(item.get("rule", "")))
        if key in known or key in found:
            continue
        found[key] = {
            "path": path, "line": key[1], "column": int_value(item.get("column")), "rule": key[2],
            "api": str(item.get("api", "")), "severity": "warning", "origin": "fix",
            "message": f"found by the codemods ({'a rewrite is suggested' if kind == 'rewrite' else 'no rewrite'})",
            "recipe": str(item.get("recipe", "") or ""), "fixable": str(item.get("safety", "none")),
        }
    return list(found.values())


def _manual_reasons(fix: dict | None) -> dict[tuple[str, int, str], str]:
    """Why the fix stage left a finding for a human, by (path, line, rule)."""
    return {
        (str(m.get("path", "")), int_value(m.get("line")), str(m.get("rule", ""))): first_line(m.get("reason"))
        for m in (fix or {}).get("manual") or []
        if isinstance(m, dict)
    }


def _finding(number: int, raw: dict, inputs: Inputs, scopes: dict, rewrites: dict, manual: dict) -> Finding:
    path, line = str(raw.get("path", "")), int_value(raw.get("line"))
    if inputs.fix is not None:
        key = (path, line, str(raw.get("rule", "")))
        rewrite = rewrites.get(key)
        safety = str(rewrite.get("safety", "")) if rewrite else None
        reason = str(rewrite.get("reason", "") or "") if rewrite else manual.get(key, "")
    else:  # no fix stage: what the catalogue says a codemod can do
        fixable = str(raw.get("fixable", "none"))
        safety, reason = (fixable, "") if fixable in ("safe", "unsafe") else (None, "")
    scope = innermost(scopes.get(path, ()), line)
    return Finding(
        id=f"F{number}",
        path=path,
        line=line,
        column=int_value(raw.get("column")),
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
        origin=str(raw.get("origin", "scan")),
    )


def _with_targets(finding: Finding, targets: tuple[str, ...]) -> Finding:
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


# ---------------------------------------------------------------- summary and environment


def _summary(inputs: Inputs, findings: list[Finding], targets: list[TargetSection], run: ConvertRun) -> Summary:
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
        findings_from_fix=sum(1 for f in findings if f.origin == "fix"),
        by_severity=tuple((s, severity[s]) for s in severities),
        by_api=by_api,
        rewrites_safe=safe,
        rewrites_unsafe=unsafe,
        manual=len(findings) - safe - unsafe,
        rewrite_source="fix" if inputs.fix is not None else "catalogue",
        targets=len(targets),
        by_verdict=tuple((v, verdicts[v]) for v in (CLEAN, FALLBACK, TORCHSCRIPT, BLOCKED)),
        strategies=run.strategy_names,
        families=tuple((s.name, s.family) for s in run.strategies),
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
