"""The combined JSON (``report.json``): the three stages' own JSON under one ``schema_version``.

Layout (documented in docs/report.md)::

    {schema_version, kind: "torchscript-migrate report", tool{name, version}, generated, title,
     environment{...}, inputs{scan|fix|convert: origin}, warnings[...],
     summary{findings, by_severity, by_api, rewrites, targets, by_verdict, strategies, readiness},
     targets[{name, anchor, source, verdict, verdict_reason, findings[ids], torchscript_reference,
              python_free, python_free_vs_torchscript,
              results[{strategy, status, cause, source_line, findings[ids], ratio_to_eager,
                       ratio_to_torchscript}]}],
     findings[{id, path, line, column, rule, api, severity, rewrite, scope, targets[names]}],
     scan{...as migrate scan --format json}, fix{...}, convert{...as migrate convert --format json},
     verify{...as migrate verify --format json, without "before" (that is ``convert``)}: with --verify only}
    A verified target also has ``verified{route_before, route_after, eager_unchanged, regressions, improvements}``.

The embedded ``scan``, ``fix`` and ``convert`` objects are copied unchanged (or null when that
input was missing), so a consumer that reads those schemas reads them here too; the keys around
them carry the join.
"""

from __future__ import annotations

import json
from dataclasses import asdict

from migrate.report.model import Report

SCHEMA_VERSION = 1
KIND = "torchscript-migrate report"


def report_to_dict(report: Report) -> dict:
    s = report.summary
    return {
        "schema_version": SCHEMA_VERSION,
        "kind": KIND,
        "tool": {"name": "torchscript-migrate", "version": report.tool_version},
        "generated": report.generated,
        "title": report.title,
        "environment": dict(report.environment),
        "inputs": dict(report.inputs.origins),
        "warnings": list(report.warnings),
        "summary": {
            "files_scanned": s.files_scanned,
            "files_with_findings": s.files_with_findings,
            "files_failed": s.files_failed,
            "findings": s.findings,
            "findings_from_fix": s.findings_from_fix,
            "by_severity": dict(s.by_severity),
            "by_api": {c.label: {"total": c.total, **dict(c.values)} for c in s.by_api},
            "rewrites": {"safe": s.rewrites_safe, "unsafe": s.rewrites_unsafe, "manual": s.manual, "source": s.rewrite_source},
            "targets": s.targets,
            "by_verdict": dict(s.by_verdict),
            "strategies": list(s.strategies),
            "readiness": asdict(s.readiness),
        },
        "targets": [
            {
                "name": t.name,
                "anchor": t.anchor,
                "source": t.source,
                "verdict": t.verdict,
                "verdict_reason": t.verdict_reason,
                "findings": list(t.findings),
                "torchscript_reference": t.torchscript_reference or None,
                "python_free": t.python_free or None,
                "python_free_vs_torchscript": t.python_free_vs_torchscript,
                "results": [
                    {
                        "strategy": r.strategy,
                        "status": r.status,
                        "cause": r.cause or None,
                        "source_line": r.source_line or None,
                        "findings": list(r.findings),
                        "ratio_to_eager": r.ratio_to_eager,
                        "ratio_to_torchscript": r.ratio_to_torchscript,
                    }
                    for r in t.results
                ],
                **({"verified": _verified(t.verified)} if t.verified is not None else {}),
            }
            for t in report.targets
        ],
        "findings": [
            {
                "id": f.id,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "rule": f.rule,
                "api": f.api,
                "severity": f.severity,
                "rewrite": f.rewrite,
                "scope": f.scope or None,
                "targets": list(f.targets),
                "origin": f.origin,
            }
            for file in report.files
            for f in file.findings
        ],
        "scan": report.inputs.scan,
        "fix": report.inputs.fix,
        "convert": report.inputs.convert,
        **({"verify": _verify_part(report.inputs.verify)} if report.inputs.verify is not None else {}),
    }


def _verified(target: dict) -> dict:
    """One target's verified migration, in short (the whole entry is in ``verify.targets``)."""
    return {"route_before": (target.get("route_before") or {}).get("route"),
            "route_after": (target.get("route_after") or {}).get("route"),
            "eager_unchanged": bool((target.get("eager") or {}).get("ok")),
            "regressions": len(target.get("regressions") or []),
            "improvements": [i.get("strategy") for i in target.get("improvements") or []]}


def _verify_part(verify: dict) -> dict:
    """`migrate verify`'s JSON without its two convert runs ("before" is the report's ``convert``)."""
    return {k: v for k, v in verify.items() if k not in ("before",)}


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
