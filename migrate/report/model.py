"""The report as plain data: what the joiner builds and every renderer reads.

The inputs (the JSON of ``migrate scan``, ``migrate fix`` and ``migrate convert``) stay plain dicts
in :class:`Inputs`; :func:`migrate.report.join.build_report` turns them into a :class:`Report`, whose
parts below are frozen so that the renderers cannot change what another renderer shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Target verdicts, best first. Their labels and the weights used by the readiness figure.
CLEAN, FALLBACK, TORCHSCRIPT, BLOCKED = "clean", "fallback", "torchscript", "blocked"
VERDICT_LABELS = {
    CLEAN: "exports cleanly",
    FALLBACK: "exports only via a fallback",
    TORCHSCRIPT: "still needs TorchScript",
    BLOCKED: "converts with no strategy",
}

VERDICT_PLURALS = {
    CLEAN: "export cleanly",
    FALLBACK: "export only via a fallback",
    TORCHSCRIPT: "still need TorchScript",
    BLOCKED: "convert with no strategy",
}
VERDICT_SHORT = {CLEAN: "clean", FALLBACK: "fallback", TORCHSCRIPT: "TorchScript", BLOCKED: "blocked"}

def verdict_count(verdict: str, count: int) -> str:
    """"1 exports cleanly", "5 export cleanly"."""
    return f"{count} {(VERDICT_LABELS if count == 1 else VERDICT_PLURALS)[verdict]}"


STATUSES = ("ok", "mismatch", "failed", "timeout", "crashed", "skipped")
SEVERITIES = ("error", "warning", "info")


def file_anchor(path: str) -> str:
    return "file-" + slug(path)


def target_anchor(name: str) -> str:
    return "target-" + slug(name)


def slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text).strip("-") or "x"


@dataclass(frozen=True)
class Inputs:
    """What the report is built from. Any of the three may be missing (None).

    root:     the scanned folder; finding paths are relative to it
    sources:  text of the scanned files that could be read, by finding path (for snippets and scopes)
    origins:  where each input came from, e.g. {"scan": "ran migrate scan on fixtures"}
    warnings: problems met while loading, shown at the top of every report
    """

    scan: dict | None = None
    fix: dict | None = None
    convert: dict | None = None
    root: str = "."
    sources: dict = field(default_factory=dict)
    origins: dict = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SnippetLine:
    number: int
    text: str
    marked: bool  # the line the finding is on


@dataclass(frozen=True)
class Finding:
    id: str  # "F1", "F2", ... in report order; stable for the same scan
    path: str
    line: int
    column: int
    rule: str
    api: str
    severity: str
    message: str
    recipe: str
    fixable: str  # from the catalogue: safe | unsafe | none
    rewrite: str | None  # the rewrite the fix stage made for it: safe | unsafe | None
    rewrite_reason: str
    snippet: tuple[SnippetLine, ...]
    scope: str  # enclosing function or class ("MyCell.forward"), "" at module level
    targets: tuple[str, ...]  # names of the targets whose conversion this finding affects
    origin: str = "scan"  # "fix" for what only the codemods report (e.g. a data-dependent if, TS601)

    @property
    def anchor(self) -> str:
        return f"finding-{self.id}"


@dataclass(frozen=True)
class FileSection:
    path: str
    anchor: str
    findings: tuple[Finding, ...]
    diff: str  # unified diff suggested by the fix stage ("" when none)
    error: str  # why the scanner or the fixer could not read it ("" when fine)


@dataclass(frozen=True)
class Check:
    input: str
    max_abs_error: float | None
    max_rel_error: float | None
    ok: bool | None
    error: str  # the converted program raised on this input ("" when it ran)


@dataclass(frozen=True)
class StrategyResult:
    strategy: str
    status: str
    error_type: str
    error: str  # first line only
    cause: str
    source_line: str  # "file:line" the error names, as the converter gave it
    source_text: str  # that line's text, when the file was scanned
    hint: str  # what to do about the failure, from the converter
    notes: tuple[str, ...]  # warnings worth reporting (e.g. TracerWarning)
    seconds: float | None
    artifact: str
    draft_export: str
    checks: tuple[Check, ...]
    latency_median_ms: float | None
    latency_iqr_ms: float | None
    latency_runs: int | None
    ratio_to_eager: float | None  # latency / eager latency
    ratio_to_torchscript: float | None  # latency / best of jit.script and jit.trace
    findings: tuple[str, ...]  # ids of the findings in the file and function the error names

    @property
    def one_line(self) -> str:
        """The failure in one line: cause first, then the error."""
        parts = [p for p in (self.cause, f"{self.error_type}: {self.error}" if self.error_type else self.error) if p]
        return " — ".join(parts)


@dataclass(frozen=True)
class TargetSection:
    name: str
    anchor: str
    source: str
    verdict: str  # one of CLEAN, FALLBACK, TORCHSCRIPT, BLOCKED
    verdict_reason: str
    results: tuple[StrategyResult, ...]
    check_inputs: tuple[str, ...]  # labels of every check input, in first-seen order
    findings: tuple[str, ...]  # ids of every finding linked to this target
    torchscript_reference: str  # the strategy the "vs TorchScript" ratio uses ("" when none ran)
    stale_source: bool = False  # ``source`` no longer starts a function: the file changed since the conversion

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def verdict_short(self) -> str:
        return VERDICT_SHORT[self.verdict]

    def result(self, strategy: str) -> StrategyResult | None:
        return next((r for r in self.results if r.strategy == strategy), None)


@dataclass(frozen=True)
class Count:
    label: str
    values: tuple[tuple[str, int], ...]  # (column, count)
    total: int


@dataclass(frozen=True)
class Readiness:
    """The readiness figure, its parts and the formula with the numbers filled in."""

    percent: float | None  # None when neither part could be computed
    models_percent: float | None
    code_percent: float | None
    formula: str  # the general formula, in words
    computation: str  # the same with this report's numbers


@dataclass(frozen=True)
class Summary:
    files_scanned: int | None
    files_with_findings: int
    files_failed: int
    findings: int
    findings_from_fix: int  # of ``findings``, those only the codemods report (data-dependent ifs)
    by_severity: tuple[tuple[str, int], ...]
    by_api: tuple[Count, ...]  # per API: counts by severity
    rewrites_safe: int
    rewrites_unsafe: int
    manual: int  # findings left for a human
    rewrite_source: str  # "fix" (rewrites the fix stage made) or "catalogue" (the scan's fixable field)
    targets: int
    by_verdict: tuple[tuple[str, int], ...]  # (verdict, count) for every verdict
    strategies: tuple[str, ...]  # strategy names in table order
    readiness: Readiness


@dataclass(frozen=True)
class Report:
    title: str
    tool_version: str
    generated: str  # ISO date and time, UTC
    environment: tuple[tuple[str, str], ...]
    summary: Summary
    files: tuple[FileSection, ...]
    targets: tuple[TargetSection, ...]
    warnings: tuple[str, ...]
    inputs: Inputs

    def finding(self, finding_id: str) -> Finding | None:
        return next((f for s in self.files for f in s.findings if f.id == finding_id), None)
