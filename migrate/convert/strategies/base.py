"""The strategy protocol: one conversion method (jit.script, export, aoti, a C++ runner...).

Adding a strategy is adding one file in ``migrate/convert/strategies/`` that defines a subclass of
:class:`Strategy` with a ``name``. The package is walked (``strategies.discover()``), so nothing
else needs to change. A strategy:

- has a ``name`` (how users select it: ``--strategies jit.script,export``; part of the JSON), a
  ``family`` (one of ``FAMILIES``: what kind of program it produces; the report's routes, the
  latency baselines and the chart colours are chosen by family, never by name) and an ``order``
  (position in tables and in the run; dependencies always run first);
- implements ``convert(ctx) -> Converted``. ``ctx`` gives a *fresh copy* of the target's module and
  inputs (conversions may mutate them, e.g. ``Dim.AUTO`` leaves marks on a failed export's
  inputs), the keyword inputs, the thread count, where to save artifacts
  (``ctx.artifact_path(".pt")``) and the artifacts of earlier strategies (``ctx.artifact("aoti")``).
  It returns a callable that runs the converted program (``run(*inputs, **kwargs)``, outputs
  comparable with eager's), the path of the artifact it saved (if any), and optionally its own
  latency measurement (a strategy that runs outside this process, like a C++ runner, measures
  itself; otherwise the harness times ``run``);
- calls ``ctx.step("save")`` / ``ctx.step("reload")`` before saving and loading back its artifact,
  so a failure says which step raised (``stage`` in the result; "run" once ``convert`` returned);
- raises on failure. The harness records the exception type, first line, classified cause and
  the user's source line; it never needs strategy code for that. ``explain_failure(ctx, exc)`` may
  add a summary (``export`` runs ``torch.export.draft_export`` for its report);
- may declare:
    ``needs = ("jit.script", "jit.trace")``  strategies whose artifact it reads (any one is enough;
        ``ctx.artifact(name)`` returns the path, or None when that strategy did not produce one).
        Selecting this strategy also runs the ones it needs, before it. If none of them produced
        an artifact, the harness records this strategy as ``skipped`` without calling ``convert``.
    ``opt_in = "cpp"``  runs only when the user opts in (``migrate convert --cpp``,
        ``convert(..., opt_in={"cpp"})``) or names it in ``--strategies``.
    ``static_shapes = True``  the converted program is specialised to the example's shapes by
        design (static export, AOTInductor): it is checked only on inputs of the example's shapes.
    ``reference = True``  (eager, and jit.load for archives) outputs every other strategy is
        compared with; it runs first and, if it fails, the others are skipped.
    ``applies_to = "module"``  which targets it converts: "module" (Python modules and functions
        from a targets file), "archive" (a TorchScript ``.pt`` given on the command line), "both".
    ``accepts_kwargs = False``  the converted program cannot take keyword inputs (a C++ runner):
        targets with ``kwargs`` skip it, with the reason.
    ``skip_reason(target) -> str | None``  why it does not apply to a target (recorded as skipped).
  ``convert`` may also raise ``SkipStrategy(reason)`` when it finds out late that it does not apply.
  For archive targets, ``ctx.archive_file`` is the path of the ``.pt`` given on the command line.

Conversion and checks run under ``torch.no_grad()`` with a fixed seed, in a worker process per
target; a crash or hang there only marks the strategy that was running.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ClassVar, Mapping

from migrate.convert.targets import Target

# What kind of program a strategy produces. ``migrate report`` derives a target's route from them:
# "export" ok -> exports cleanly, else "fallback" ok -> via a fallback, else "torchscript" ok ->
# still needs TorchScript. Latency ratios are given against the fastest ok strategy of the
# "reference" and of the "torchscript" family (``results.RATIO_BASELINES``).
FAMILIES = {
    "reference": "the module as written: what every other strategy is compared with (eager)",
    "torchscript": "a TorchScript program (jit.script, jit.trace, jit.freeze, a given archive)",
    "export": "a torch.export program with static shapes, from the source (export, export.strict)",
    "fallback": "a torch.export program reached another way (dynamic shapes, converted from TorchScript)",
    "compiled": "an ahead-of-time compiled package of an exported program (AOTInductor)",
    "cpp": "an artifact of another strategy run by a C++ runner (its route is that strategy's)",
    "other": "none of the above: shown in tables and charts, no part in routes or baselines",
}


@dataclass(frozen=True)
class Latency:
    """Latency of one call in milliseconds: median and interquartile range over ``runs`` calls."""

    median: float
    iqr: float
    runs: int

    def to_dict(self) -> dict:
        return {"median": self.median, "iqr": self.iqr, "runs": self.runs}

    @classmethod
    def from_dict(cls, data: dict | None) -> "Latency | None":
        return None if data is None else cls(float(data["median"]), float(data["iqr"]), int(data["runs"]))


@dataclass(frozen=True)
class Converted:
    """What ``Strategy.convert`` returns.

    run:      callable ``run(*inputs, **kwargs)`` giving outputs comparable with eager's
    artifact: path of the saved program (``.pt`` / ``.pt2``), for users and later strategies
    latency:  set only when the strategy measured latency itself (e.g. in a C++ process)
    notes:    short remarks worth reporting (e.g. "TracerWarning: ...")
    """

    run: Callable[..., Any]
    artifact: str | None = None
    latency: Latency | None = None
    notes: tuple[str, ...] = ()
    variant: str | None = None  # e.g. "strict=False": the default conversion failed, this one did not
    cached: bool | None = None  # a compiled artifact reused from the user cache (True) or compiled now (False)
    timed: Callable[..., Any] | None = None  # what latency is measured on, where not ``run`` (one of its programs)


class SkipStrategy(Exception):
    """Raise from ``convert`` when the strategy does not apply after all (recorded as skipped)."""


@dataclass
class Context:
    """What a strategy's ``convert`` step gets (built fresh for every strategy)."""

    target: Target
    target_name: str
    artifact_dir: Path
    threads: int = 1
    artifacts: Mapping[str, str] = field(default_factory=dict)
    strategy_name: str = ""
    archive_file: str | None = None  # the TorchScript archive, for "archive" targets
    cache_dir: Path | None = None  # the user cache (compiled packages are reused from there); None: no reuse
    stage: str = "convert"  # the step under way: "convert", "save", "reload" (set with ``step``)

    def step(self, stage: str) -> None:
        """Say which step comes next, so that a failure names it (``ctx.step("reload")``)."""
        self.stage = stage

    @property
    def module(self):
        return self.target.module

    @property
    def inputs(self) -> tuple:
        return self.target.example_inputs

    @property
    def kwargs(self) -> dict:
        return dict(self.target.kwargs or {})

    def artifact(self, strategy_name: str) -> str | None:
        """The artifact an earlier strategy saved for this target, or None."""
        return self.artifacts.get(strategy_name)

    def artifact_path(self, suffix: str) -> Path:
        """Where this strategy should save its artifact (folder created)."""
        folder = self.artifact_dir / safe_name(self.target_name)
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{self.strategy_name}{suffix}"


def safe_name(name: str) -> str:
    """A file name for a target: letters, digits and ._- only, never "." or ".." or hidden (a target named
    ".." must not write its artifacts one folder above --artifacts)."""
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    return ("_" + safe[1:] if safe.startswith(".") else safe) or "target"


def fresh_target(target: Target) -> Target:
    """A deep copy of the module and every input, so no strategy sees another's side effects."""
    import torch

    module = target.module
    if isinstance(module, torch.nn.Module):  # functions (and ScriptFunctions, which cannot be copied) hold no state
        module = copy.deepcopy(module)
    return Target(
        module=module,
        example_inputs=copy.deepcopy(target.example_inputs),
        check_inputs=copy.deepcopy(target.check_inputs),
        dynamic_shapes=target.dynamic_shapes,
        kwargs=copy.deepcopy(target.kwargs),
    )


class Strategy:
    """Base class of every strategy (see the module docstring for the protocol)."""

    name: ClassVar[str] = ""
    family: ClassVar[str] = "other"  # a key of FAMILIES
    order: ClassVar[int] = 100
    needs: ClassVar[tuple[str, ...]] = ()
    opt_in: ClassVar[str | None] = None
    static_shapes: ClassVar[bool] = False
    applies_to: ClassVar[str] = "module"
    reference: ClassVar[bool] = False  # the strategy others are compared with (eager; jit.load for archives)
    accepts_kwargs: ClassVar[bool] = True  # False: skipped (with the reason) for targets with keyword inputs
    description: ClassVar[str] = ""

    def skip_reason(self, target: Target) -> str | None:
        """Why this strategy does not apply to ``target`` (None: it applies)."""
        return None

    def convert(self, ctx: Context) -> Converted:  # pragma: no cover - abstract
        raise NotImplementedError

    def explain_failure(self, ctx: Context, error: BaseException) -> dict | None:
        """Extra data for a failed conversion (e.g. a draft_export report summary)."""
        return None
