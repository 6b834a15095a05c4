"""The data a conversion run produces (frozen dataclasses), its JSON form, and its tolerant reader.

``ConvertRun.to_dict()`` is the ``migrate convert --format json`` output; ``ConvertRun.from_dict``
reads it back, and is the one reader of conversion results: ``migrate report`` reads through it
too. It is tolerant: a missing or odd field gives an empty value (a result without a status is
``failed``, one without a strategy is dropped), and JSON of an older ``schema_version`` is
upgraded (families and order from the strategies known here, ratios recomputed).
``SCHEMA_VERSION`` changes whenever a key is renamed or removed; new keys may be added without a
change. Version 2: ``strategies`` lists ``{name, family, order}`` (was names), each target has
``baselines``, and ``ratios`` are ``vs_eager`` and ``vs_torchscript`` (were ``vs_<strategy>``).

Latency ratios are computed here, once (``with_ratios``), against declared baselines: for each
key of ``RATIO_BASELINES``, the fastest strategy of that family that is ``ok`` for the target.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

from migrate.convert.strategies.base import Latency

SCHEMA_VERSION = 2
READS_VERSIONS = (1, 2)

STATUSES = ("ok", "mismatch", "failed", "skipped", "timeout", "crashed")
# ratio key -> the family of its baseline: "vs_torchscript" is this strategy's median over the
# median of the fastest TorchScript-family strategy that is ok for the target (a new TorchScript
# strategy joins the choice by declaring its family).
RATIO_BASELINES = {"eager": "reference", "torchscript": "torchscript"}
# Families whose programs run without Python (an AOTInductor package loads in C++ as it is):
# ``TargetResult.python_free`` names the fastest ok one (its ``ratios`` hold its ratio to TorchScript).
PYTHON_FREE_FAMILIES = ("compiled",)


def _text(value) -> str | None:
    return None if value is None else str(value)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _dicts(value) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


@dataclass(frozen=True)
class StrategyInfo:
    """A strategy as the run knew it: its name, family (``strategies.base.FAMILIES``) and order."""

    name: str
    family: str = "other"
    order: int = 100

    def to_dict(self) -> dict:
        return {"name": self.name, "family": self.family, "order": self.order}

    @classmethod
    def from_dict(cls, d) -> "StrategyInfo | None":
        """From a version-2 entry, or a version-1 name (family and order from the known strategies)."""
        if isinstance(d, str):
            return known_strategies().get(d, cls(d, "other", 1000))
        if not isinstance(d, dict) or not d.get("name"):
            return None
        order = d.get("order")
        return cls(str(d["name"]), str(d.get("family") or "other"), int(order) if _number(order) is not None else 1000)


def known_strategies() -> dict[str, StrategyInfo]:
    """The strategies this installation discovers (for reading JSON that does not say)."""
    from migrate.convert.strategies import discover

    return {n: StrategyInfo(n, s.family, s.order) for n, s in discover().items()}


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
        label = d.get("label", d.get("input", "?"))  # "input" in drafts before schema 1
        not_compared = d.get("not_compared")
        return cls(str(label), _number(d.get("max_abs_error")), _number(d.get("max_rel_error")), d.get("ok") is True,
                   _text(d.get("error")), d.get("raised") is True,
                   tuple(str(x) for x in not_compared) if isinstance(not_compared, list) else (),
                   d.get("same_values") is True)


@dataclass(frozen=True)
class StrategyResult:
    """The outcome of one strategy on one target.

    ``ratios``: ``vs_<key>`` for each key of ``RATIO_BASELINES`` whose baseline exists for the
    target (``TargetResult.baselines`` names it), when this strategy has a latency.
    ``stage``: the step reached: "convert", "save", "reload" (the saved artifact is loaded back) or
    "run" (the converted program ran on the inputs); a failure names the step that raised.
    ``skipped_inputs``: "label: reason" for the inputs this strategy was not checked on (a static
    program on other shapes). ``variant``: how the conversion was done when the default did not
    work (``strict=False`` for a trace whose strict run failed; the strict error is in ``notes``).
    ``cached``: for compiled strategies, whether the package was reused from the user cache.
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
    cached: bool | None = None  # compiled strategies: the package came from the user cache (None: no cache)

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
            "cached": self.cached,
        }

    @classmethod
    def from_dict(cls, d: dict) -> "StrategyResult":
        """Tolerant: an unknown or missing status reads as ``failed``; odd fields read as empty."""
        status = d.get("status")
        latency = d.get("latency_ms")
        ratios = d.get("ratios")
        notes = d.get("notes")
        skipped = d.get("skipped_inputs")
        return cls(
            strategy=str(d["strategy"]), status=status if status in STATUSES else "failed",
            error_type=_text(d.get("error_type")), error=_text(d.get("error")), cause=_text(d.get("cause")),
            source_line=_text(d.get("source_line")), hint=_text(d.get("hint")), seconds=_number(d.get("seconds")),
            artifact=_text(d.get("artifact")), draft_export=d.get("draft_export"),
            checks=tuple(Check.from_dict(c) for c in _dicts(d.get("checks"))),
            latency_ms=Latency.from_dict(latency) if isinstance(latency, dict) and _number(latency.get("median")) else None,
            ratios={str(k): v for k, v in ratios.items() if _number(v) is not None} if isinstance(ratios, dict) else {},
            notes=tuple(str(n) for n in notes if n) if isinstance(notes, list) else (),
            stage=_text(d.get("stage")), variant=_text(d.get("variant")),
            cached=d.get("cached") if isinstance(d.get("cached"), bool) else None,
            skipped_inputs=tuple(str(s) for s in skipped) if isinstance(skipped, list) else (),
        )


@dataclass(frozen=True)
class TargetResult:
    """One target's results, in table order; ``baselines``: ratio key -> the strategy it is against;
    ``python_free``: the fastest ok strategy of a ``PYTHON_FREE_FAMILIES`` family (None: none)."""

    name: str
    source: str
    results: tuple[StrategyResult, ...]
    baselines: dict = field(default_factory=dict)
    python_free: str | None = None
    reused: str | None = None  # ``--reuse``: when the reused results were measured (None: in this run)

    def result(self, strategy: str) -> StrategyResult | None:
        return next((r for r in self.results if r.strategy == strategy), None)

    @property
    def python_free_vs_torchscript(self) -> float | None:
        """The fastest Python-free program's latency over the fastest TorchScript program's."""
        result = self.result(self.python_free) if self.python_free else None
        return result.ratios.get("vs_torchscript") if result else None

    def to_dict(self) -> dict:
        return {"name": self.name, "source": self.source, "baselines": dict(self.baselines),
                "python_free": self.python_free, "reused": self.reused, "results": [r.to_dict() for r in self.results]}

    @classmethod
    def from_dict(cls, d: dict) -> "TargetResult":
        results = tuple(StrategyResult.from_dict(r) for r in _dicts(d.get("results")) if r.get("strategy"))
        baselines = d.get("baselines")
        return cls(str(d.get("name") or ""), str(d.get("source") or ""), results,
                   {str(k): str(v) for k, v in baselines.items()} if isinstance(baselines, dict) else {},
                   _text(d.get("python_free")), _text(d.get("reused")))


@dataclass(frozen=True)
class ConvertRun:
    """Everything one ``migrate convert`` run found."""

    torch_version: str
    threads: int
    targets: tuple[TargetResult, ...]
    errors: tuple[dict, ...] = ()  # targets files that could not be read: {"file", "message"}
    strategies: tuple[StrategyInfo, ...] = ()  # the strategies that were run, in table order
    wall_seconds: float | None = None
    jobs: int | None = None  # targets converted at once
    executor: str | None = None  # "process" or "ray"
    timed_alone_seconds: float | None = None  # of the wall time, spent timing with the other workers paused
    schema_version: int = SCHEMA_VERSION  # of what ``to_dict`` writes: older JSON is upgraded on reading

    @property
    def strategy_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.strategies)

    def family(self, strategy: str) -> str:
        """The family of ``strategy`` (``other`` when this run does not list it)."""
        return next((s.family for s in self.strategies if s.name == strategy), "other")

    def to_dict(self) -> dict:
        return {
            "schema_version": self.schema_version,
            "torch_version": self.torch_version,
            "threads": self.threads,
            "strategies": [s.to_dict() for s in self.strategies],
            "wall_seconds": self.wall_seconds,
            "jobs": self.jobs,
            "executor": self.executor,
            "timed_alone_seconds": self.timed_alone_seconds,
            "errors": [dict(e) for e in self.errors],
            "targets": [t.to_dict() for t in self.targets],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict, *, any_version: bool = False) -> "ConvertRun":
        """Read ``migrate convert --format json`` output (see the module docstring).

        Refuses (ValueError) a ``schema_version`` it does not read, unless ``any_version``: then a
        missing or newer version is read as far as its keys are known (the report does this, and
        warns).
        """
        version = d.get("schema_version")
        if version not in READS_VERSIONS and not any_version:
            raise ValueError(f"convert JSON has schema_version {version!r}; this version reads "
                             f"{', '.join(map(str, READS_VERSIONS))}")
        targets = tuple(TargetResult.from_dict(t) for t in _dicts(d.get("targets")))
        listed = d.get("strategies") if isinstance(d.get("strategies"), list) else []
        strategies = [info for info in map(StrategyInfo.from_dict, listed) if info is not None]
        names = [s.name for s in strategies]
        for target in targets:  # results of strategies the list leaves out (older or hand-made JSON)
            for r in target.results:
                if r.strategy not in names:
                    names.append(r.strategy)
                    strategies.append(StrategyInfo.from_dict(r.strategy))
        upgrade = not (isinstance(version, int) and version >= 2) or any(isinstance(s, str) for s in listed)
        if upgrade:  # version 1: no families, ratios against other baselines
            strategies.sort(key=lambda s: s.order)
            families = {s.name: s.family for s in strategies}
            targets = tuple(with_ratios(t, families) for t in targets)
        families = {s.name: s.family for s in strategies}  # JSON written before ``python_free`` existed
        targets = tuple(t if t.python_free else replace(t, python_free=fastest_python_free(t, families)) for t in targets)
        threads = d.get("threads")
        return cls(
            torch_version=str(d.get("torch_version") or "unknown"),
            threads=int(threads) if _number(threads) is not None else 0, targets=targets,
            errors=tuple(_dicts(d.get("errors"))), strategies=tuple(strategies),
            wall_seconds=_number(d.get("wall_seconds")),
            jobs=int(d["jobs"]) if _number(d.get("jobs")) is not None else None, executor=_text(d.get("executor")),
            timed_alone_seconds=_number(d.get("timed_alone_seconds")),
        )

    @classmethod
    def load(cls, path: str | Path) -> "ConvertRun":
        """Read a file written by ``migrate convert --format json``."""
        return cls.from_dict(json.loads(Path(path).read_text()))

    @property
    def has_failures(self) -> bool:
        return bool(self.errors) or any(
            r.status not in ("ok", "skipped") for t in self.targets for r in t.results)


def with_ratios(target: TargetResult, families: Mapping[str, str]) -> TargetResult:
    """Add latency ratios (this strategy's median / the baseline's; below 1 is faster) and the baselines.

    The baseline of each key of ``RATIO_BASELINES`` is the fastest strategy of that family that is
    ``ok`` with a latency (``families``: strategy name -> family); the baseline's own ratio is 1.
    Also names the fastest ok Python-free program (``python_free``).
    """
    baselines = {}
    for key, family in RATIO_BASELINES.items():
        candidates = [r for r in target.results if families.get(r.strategy) == family and r.status == "ok"
                      and r.latency_ms is not None and r.latency_ms.median > 0]
        if candidates:
            baselines[key] = min(candidates, key=lambda r: r.latency_ms.median)
    results = []
    for r in target.results:
        ratios = {}
        if r.latency_ms is not None:
            ratios = {f"vs_{key}": round(r.latency_ms.median / base.latency_ms.median, 4) for key, base in baselines.items()}
        results.append(replace(r, ratios=ratios))
    return replace(target, results=tuple(results), baselines={key: base.strategy for key, base in baselines.items()},
                   python_free=fastest_python_free(target, families))


def fastest_python_free(target: TargetResult, families: Mapping[str, str]) -> str | None:
    """The fastest ok strategy of a ``PYTHON_FREE_FAMILIES`` family with a latency, or None."""
    free = [r for r in target.results if families.get(r.strategy) in PYTHON_FREE_FAMILIES and r.status == "ok"
            and r.latency_ms is not None and r.latency_ms.median > 0]
    return min(free, key=lambda r: r.latency_ms.median).strategy if free else None
