"""The data a conversion run produces (frozen dataclasses) and its JSON form.

``ConvertRun.to_dict()`` is the ``migrate convert --format json`` output; ``ConvertRun.from_dict``
reads it back (the report stage does). ``SCHEMA_VERSION`` changes whenever a key is renamed or
removed; new keys may be added without a change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from migrate.convert.strategies.base import Latency

SCHEMA_VERSION = 1

STATUSES = ("ok", "mismatch", "failed", "skipped", "timeout", "crashed")
# The strategies latency ratios are given against (when they have a latency).
RATIO_BASELINES = ("eager", "jit.script", "jit.trace")


@dataclass(frozen=True)
class Check:
    """One comparison with eager: the input it used, the largest errors, and whether it passed.

    ``error`` says why the outputs could not be compared: the converted program raised on this
    input (``raised`` is then True: a loud failure), or its outputs have another structure, shape
    or dtype (``raised`` False: silently wrong). The errors are None in both cases.
    """

    label: str
    max_abs_error: float | None
    max_rel_error: float | None
    ok: bool
    error: str | None = None
    raised: bool = False
    not_compared: tuple[str, ...] = ()  # "path: Type" of output leaves neither tensors nor comparable
    same_values: bool = False  # only the output's structure differs: the tensors are equal

    def to_dict(self) -> dict:
        return {"label": self.label, "max_abs_error": self.max_abs_error, "max_rel_error": self.max_rel_error,
                "ok": self.ok, "error": self.error, "raised": self.raised, "not_compared": list(self.not_compared),
                "same_values": self.same_values}

    @classmethod
    def from_dict(cls, d: dict) -> "Check":
        return cls(d["label"], d.get("max_abs_error"), d.get("max_rel_error"), bool(d["ok"]), d.get("error"),
                   bool(d.get("raised", False)), tuple(d.get("not_compared", ())), bool(d.get("same_values", False)))


@dataclass(frozen=True)
class StrategyResult:
    """The outcome of one strategy on one target.

    ``stage``: the step reached: "convert", "save", "reload" (the saved artifact is loaded back) or
    "run" (the converted program ran on the inputs); a failure names the step that raised.
    ``skipped_inputs``: "label: reason" for the inputs this strategy was not checked on (a static
    program on other shapes). ``variant``: how the conversion was done when the default did not
    work (``strict=False`` for a trace whose strict run failed; the strict error is in ``notes``).
    """

    strategy: str
    status: str
    error_type: str | None = None
    error: str | None = None
    cause: str | None = None
    source_line: str | None = None
    hint: str | None = None
    seconds: float | None = None
    artifact: str | None = None
    draft_export: dict | None = None
    checks: tuple[Check, ...] = ()
    latency_ms: Latency | None = None
    ratios: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    stage: str | None = None
    skipped_inputs: tuple[str, ...] = ()
    variant: str | None = None

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}")

    @property
    def max_abs_error(self) -> float | None:
        values = [c.max_abs_error for c in self.checks if c.max_abs_error is not None]
        return max(values) if values else None

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def to_dict(self) -> dict:
        return {
            "strategy": self.strategy,
            "status": self.status,
            "error_type": self.error_type,
            "error": self.error,
            "cause": self.cause,
            "source_line": self.source_line,
            "hint": self.hint,
            "seconds": self.seconds,
            "artifact": self.artifact,
            "draft_export": self.draft_export,
            "checks": [c.to_dict() for c in self.checks],
            "latency_ms": self.latency_ms.to_dict() if self.latency_ms else None,
            "ratios": dict(self.ratios),
            "notes": list(self.notes),
            "stage": self.stage,
            "skipped_inputs": list(self.skipped_inputs),
            "variant": self.variant,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "StrategyResult":
        return cls(
            strategy=d["strategy"], status=d["status"], error_type=d.get("error_type"), error=d.get("error"),
            cause=d.get("cause"), source_line=d.get("source_line"), hint=d.get("hint"), seconds=d.get("seconds"),
            artifact=d.get("artifact"), draft_export=d.get("draft_export"),
            checks=tuple(Check.from_dict(c) for c in d.get("checks", ())),
            latency_ms=Latency.from_dict(d.get("latency_ms")), ratios=dict(d.get("ratios") or {}),
            notes=tuple(d.get("notes", ())), stage=d.get("stage"), skipped_inputs=tuple(d.get("skipped_inputs", ())),
            variant=d.get("variant"),
        )


@dataclass(frozen=True)
class TargetResult:
    name: str
    source: str
    results: tuple[StrategyResult, ...]

    def result(self, strategy: str) -> StrategyResult | None:
        return next((r for r in self.results if r.strategy == strategy), None)

    def to_dict(self) -> dict:
        return {"name": self.name, "source": self.source, "results": [r.to_dict() for r in self.results]}

    @classmethod
    def from_dict(cls, d: dict) -> "TargetResult":
        return cls(d["name"], d["source"], tuple(StrategyResult.from_dict(r) for r in d["results"]))


@dataclass(frozen=True)
class ConvertRun:
    """Everything one ``migrate convert`` run found."""

    torch_version: str
    threads: int
    targets: tuple[TargetResult, ...]
    errors: tuple[dict, ...] = ()  # targets files that could not be read: {"file", "message"}
    strategies: tuple[str, ...] = ()  # the strategies that were run, in order
    wall_seconds: float | None = None
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "torch_version": self.torch_version,
            "threads": self.threads,
            "strategies": list(self.strategies),
            "wall_seconds": self.wall_seconds,
            "errors": [dict(e) for e in self.errors],
            "targets": [t.to_dict() for t in self.targets],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> "ConvertRun":
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ValueError(f"convert JSON has schema_version {version!r}; this version reads {SCHEMA_VERSION}")
        return cls(
            torch_version=d["torch_version"], threads=int(d["threads"]),
            targets=tuple(TargetResult.from_dict(t) for t in d["targets"]),
            errors=tuple(d.get("errors", ())), strategies=tuple(d.get("strategies", ())),
            wall_seconds=d.get("wall_seconds"), schema_version=version,
        )

    @classmethod
    def load(cls, path: str | Path) -> "ConvertRun":
        """Read a file written by ``migrate convert --format json``."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    @property
    def has_failures(self) -> bool:
        return bool(self.errors) or any(
            r.status not in ("ok", "skipped") for t in self.targets for r in t.results)


def with_ratios(target: TargetResult) -> TargetResult:
    """Add latency ratios (this strategy's median / the baseline's median; below 1 is faster)."""
    medians = {r.strategy: r.latency_ms.median for r in target.results if r.latency_ms and r.latency_ms.median > 0}
    results = []
    for r in target.results:
        ratios = {}
        if r.latency_ms is not None:
            ratios = {f"vs_{base}": round(r.latency_ms.median / medians[base], 4)
                      for base in RATIO_BASELINES if base in medians and base != r.strategy}
        results.append(replace(r, ratios=ratios))
    return replace(target, results=tuple(results))
