"""The report as plain data: what the joiner builds and every renderer reads.

The inputs (the JSON of ``migrate scan``, ``migrate fix`` and ``migrate convert``) stay plain dicts
in :class:`Inputs`; :func:`migrate.report.join.build_report` turns them into a :class:`Report`, whose
parts below are frozen so that the renderers cannot change what another renderer shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from migrate.convert.results import StrategyResult
from migrate.report.values import first_line, without_prefix

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
# The route a target has when a strategy of this family is ok, best first (families are declared by
# each strategy: migrate/convert/strategies/base.py FAMILIES). A failed "reference" blocks all.
ROUTE_FAMILIES = ((CLEAN, "export"), (FALLBACK, "fallback"), (TORCHSCRIPT, "torchscript"))

def verdict_count(verdict: str, count: int) -> str:
    """"1 exports cleanly", "5 export cleanly"."""
    return f"{count} {(VERDICT_LABELS if count == 1 else VERDICT_PLURALS)[verdict]}"


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
    verify: dict | None = None  # `migrate verify --format json` (then ``convert`` is its "before")
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
class ResultRow:
    """One strategy's result on one target as the report shows it: the convert stage's own
    :class:`~migrate.convert.results.StrategyResult` (read by ``ConvertRun.from_dict``), plus what
    the join adds. Ratios are convert's, never recomputed here."""

    result: StrategyResult
    family: str  # the strategy's declared family
    source_line: str  # "file:line" the error names, as the converter gave it
    source_text: str  # that line's text, when the file was scanned
    draft_export: str  # draft_export's report in one line
    findings: tuple[str, ...]  # ids of the findings in the file and function the error names

    strategy = property(lambda self: self.result.strategy)
    status = property(lambda self: self.result.status)
    seconds = property(lambda self: self.result.seconds)
    checks = property(lambda self: self.result.checks)

    @property
    def error_type(self) -> str:
        return first_line(self.result.error_type)

    @property
    def error(self) -> str:
        """The error's first line, without the "ErrorType: " prefix (the type is shown beside it)."""
        return without_prefix(first_line(self.result.error), self.error_type)

    @property
    def cause(self) -> str:
        return first_line(self.result.cause)

    @property
    def hint(self) -> str:
        return first_line(self.result.hint)

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(first_line(n) for n in self.result.notes if first_line(n))

    @property
    def latency_median_ms(self) -> float | None:
        return self.result.latency_ms.median if self.result.latency_ms else None

    @property
    def latency_iqr_ms(self) -> float | None:
        return self.result.latency_ms.iqr if self.result.latency_ms else None

    @property
    def latency_runs(self) -> int | None:
        return self.result.latency_ms.runs if self.result.latency_ms else None

    @property
    def ratio_to_eager(self) -> float | None:
        return self.result.ratios.get("vs_eager")

    @property
    def ratio_to_torchscript(self) -> float | None:
        return self.result.ratios.get("vs_torchscript")

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
    results: tuple[ResultRow, ...]
    check_inputs: tuple[str, ...]  # labels of every check input, in first-seen order
    findings: tuple[str, ...]  # ids of every finding linked to this target
    torchscript_reference: str  # the strategy convert's "vs TorchScript" ratio is against ("" when none)
    python_free: str = ""  # the fastest ok Python-free program (an AOTInductor package; "" when none)
    python_free_vs_torchscript: float | None = None  # its latency over torchscript_reference's
    stale_source: bool = False  # ``source`` no longer starts a function: the file changed since the conversion
    verified: dict | None = None  # this target's entry of `migrate verify`'s "targets" (route before/after, ...)

    @property
    def verdict_after(self) -> str | None:
        """The route after the verified migration (None when not verified)."""
        return (self.verified or {}).get("route_after", {}).get("route")

    @property
    def verdict_after_label(self) -> str:
        return VERDICT_LABELS.get(self.verdict_after, "not converted")

    @property
    def verdict_after_short(self) -> str:
        return VERDICT_SHORT.get(self.verdict_after, "–")

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    @property
    def verdict_short(self) -> str:
        return VERDICT_SHORT[self.verdict]

    def result(self, strategy: str) -> ResultRow | None:
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
    families: tuple[tuple[str, str], ...] = ()  # (strategy, family) in table order

    def in_family(self, family: str) -> tuple[str, ...]:
        return tuple(name for name, f in self.families if f == family)


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
