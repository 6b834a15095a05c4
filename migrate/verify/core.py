"""What changed between the conversion of the original tree and of the rewritten copy (pure).

``compare_target`` reads one target's two results (``migrate.convert.results``), the eager
comparison the ``verify.eager`` strategy wrote, and the rewritten files the target imports, and says:
the strategy matrix before/after, the route before/after (the report's own route logic,
``migrate.report.target_sections.route_of``), and

- **regressions**: the rewritten module's eager outputs differ from the original's on a check
  input (or it no longer builds or runs); a strategy outside the TorchScript families that was ok
  and now is not; a route that got worse;
- **new failures** of TorchScript strategies, and of strategies now skipped because the artifact they
  convert from was not produced (ts2ep without a scripted program), are expected once the code
  leaves TorchScript: they are listed, not counted as regressions;
- **improvements**: strategies that were not ok and now are, with the rewrites the target imports
  (none for a target whose eager outputs changed: agreeing with a changed model proves nothing).

``result_dict`` assembles the ``migrate verify --format json`` object.
"""

from __future__ import annotations

from dataclasses import replace

from migrate.convert.results import ConvertRun, TargetResult
from migrate.report.model import BLOCKED, CLEAN, FALLBACK, ROUTE_FAMILIES, TORCHSCRIPT, VERDICT_LABELS
from migrate.verify.strategies.eager_before import NAME as EAGER_CHECK

SCHEMA_VERSION = 1
RANK = {CLEAN: 0, FALLBACK: 1, TORCHSCRIPT: 2, BLOCKED: 3}
# families whose strategies are expected to stop working once the code leaves TorchScript
TORCHSCRIPT_FAMILIES = ("torchscript", "cpp")


def without_eager_check(run: ConvertRun) -> ConvertRun:
    """The run as `migrate convert` would give it: the verify-only strategy's column removed."""
    return replace(run, strategies=tuple(s for s in run.strategies if s.name != EAGER_CHECK),
                   targets=tuple(replace(t, results=tuple(r for r in t.results if r.strategy != EAGER_CHECK))
                                 for t in run.targets))


def _route(target: TargetResult | None, run: ConvertRun) -> dict:
    from migrate.report.target_sections import route_of

    if target is None:
        return {"route": None, "label": "not converted", "reason": "the target was not found in this run"}
    verdict, reason = route_of(target, run)
    return {"route": verdict, "label": VERDICT_LABELS[verdict], "reason": reason}


def _status(target: TargetResult | None, strategy: str) -> str | None:
    result = target.result(strategy) if target else None
    return result.status if result else None


def _one_line(target: TargetResult | None, strategy: str) -> str:
    result = target.result(strategy) if target else None
    if result is None:
        return ""
    parts = [p for p in (result.cause, f"{result.error_type}: {result.error}" if result.error_type else result.error) if p]
    return " — ".join(str(p).splitlines()[0] for p in parts if str(p).strip())


def eager_regression(eager_after: dict | None) -> dict | None:
    """The eager outputs that differ (or a rewritten module that raises), from ``NAME.after.json``."""
    if not eager_after:
        return None
    bad = [c for c in eager_after.get("checks", []) if not c.get("ok")]
    if not bad:
        return None
    first = bad[0]
    detail = first.get("error") or f"max abs error {first.get('max_abs_error'):.3g}"
    return {"kind": "eager", "strategy": "eager", "what": "outputs",
            "detail": f"eager after the rewrite differs from eager before on {', '.join(c['label'] for c in bad)} "
                      f"({first['label']}: {detail})", "checks": bad}


def compare_target(name: str, before_run: ConvertRun, after_run: ConvertRun, eager_after: dict | None,
                   rewritten: list[str], rewrites: dict[str, dict]) -> dict:
    """One target's before/after (see the module docstring). ``rewritten``: the rewritten files the target
    imports (paths as in ``rewrites``, which maps them to their FileFix dict)."""
    before = next((t for t in before_run.targets if t.name == name), None)
    after = next((t for t in after_run.targets if t.name == name), None)
    order = list(dict.fromkeys([*before_run.strategy_names, *after_run.strategy_names]))
    family = {s: after_run.family(s) if s in after_run.strategy_names else before_run.family(s) for s in order}
    matrix = [{"strategy": s, "family": family[s], "before": _status(before, s), "after": _status(after, s)}
              for s in order if _status(before, s) is not None or _status(after, s) is not None]
    route_before, route_after = _route(before, before_run), _route(after, after_run)
    regressions, new_failures, improvements = [], [], []
    reference = next((s for s in order if family[s] == "reference"), "eager")
    eager = eager_regression(eager_after)
    if _status(before, reference) == "ok" and _status(after, reference) not in ("ok", None):
        result = after.result(reference)
        eager = {"kind": "eager", "strategy": reference, "what": "build", "error_type": result.error_type,
                 "detail": f"the rewritten target no longer builds or runs: {_one_line(after, reference)}", "checks": []}
    if eager:
        regressions.append(eager)
    for row in matrix:
        s, was, now = row["strategy"], row["before"], row["after"]
        if s == reference or now == "skipped" and was == "skipped":
            continue
        if was == "ok" and now not in ("ok", None) and not (now == "skipped" and eager):
            entry = {"kind": "strategy", "strategy": s, "family": family[s], "before": was, "after": now,
                     "detail": f"{s} was ok and is now {now}: {_one_line(after, s)}".rstrip(": ")}
            if family[s] in TORCHSCRIPT_FAMILIES or now == "skipped":  # skipped: what it converts from stopped
                new_failures.append({**entry, "expected": True})
            else:
                new_failures.append({**entry, "expected": False})
                regressions.append(entry)
        elif was != "ok" and now == "ok":
            improvements.append({"strategy": s, "family": family[s], "before": was, "after": now})
    rank_before = RANK.get(route_before["route"]) if route_before["route"] else None
    rank_after = RANK.get(route_after["route"]) if route_after["route"] else None
    if rank_before is not None and rank_after is not None and rank_after > rank_before and not regressions:
        # the strategy whose loss made the route worse: ok before in the family that gave the route
        route_family = dict(ROUTE_FAMILIES).get(route_before["route"])
        lost = next((row["strategy"] for row in matrix if family[row["strategy"]] == route_family
                     and row["before"] == "ok" and row["after"] != "ok"), "")
        regressions.append({"kind": "route", "strategy": lost, "detail": f"the route got worse: "
                            f"{route_before['label']} -> {route_after['label']}"
                            + (f" ({lost} was ok and is now {_status(after, lost)}: {_one_line(after, lost)})" if lost else "")})
    touched = [{"path": p, "rules": sorted({r["rule"] for r in rewrites[p]["rewrites"]})} for p in rewritten
               if p in rewrites]
    for entry in improvements:
        entry["rewrites"] = [t["path"] for t in touched]
    if eager:  # ok against an eager that changed is no improvement
        improvements = []
    return {
        "name": name,
        "source": (before or after).source if (before or after) else "",
        "route_before": route_before,
        "route_after": route_after,
        "matrix": matrix,
        "eager": {"checks": list((eager_after or {}).get("checks", [])), "notes": list((eager_after or {}).get("notes", [])),
                  "ok": eager is None and eager_after is not None and bool(eager_after.get("checks"))},
        "rewritten_files": touched,
        "regressions": regressions,
        "new_failures": new_failures,
        "improvements": improvements,
    }


def with_causes(target: dict, causes: dict[str, dict], rewrites: dict[str, dict]) -> dict:
    """The target's regressions with what caused each (``causes``: regression key -> {"files", "hunks",
    "how"} from the bisect) and the diff hunks of the files the target imports."""
    hunks = [{"path": t["path"], "diff": rewrites[t["path"]]["diff"]} for t in target["rewritten_files"]]
    regressions = []
    for regression in target["regressions"]:
        cause = causes.get(regression_key(regression), {})
        regressions.append({**regression, "caused_by": cause.get("files", [t["path"] for t in target["rewritten_files"]]),
                            "hunks": cause.get("hunks") or hunks, "bisect": cause.get("how", "not needed")})
    return {**target, "regressions": regressions}


def regression_key(regression: dict) -> str:
    return f"{regression['kind']}:{regression.get('strategy', '')}"


def summary(targets: list[dict], rewrites: list[dict]) -> dict:
    def count(key: str) -> dict:
        out = {v: 0 for v in RANK}
        for t in targets:
            if t[key]["route"]:
                out[t[key]["route"]] += 1
        return out

    return {
        "targets": len(targets),
        "files_rewritten": len(rewrites),
        "rewrites": sum(len(f["rewrites"]) for f in rewrites),
        "routes_before": count("route_before"),
        "routes_after": count("route_after"),
        "eager_unchanged": sum(1 for t in targets if t["eager"]["ok"]),
        "regressions": sum(len(t["regressions"]) for t in targets),
        "improvements": sum(len(t["improvements"]) for t in targets),
    }


def result_dict(before: ConvertRun, after: ConvertRun, targets: list[dict], rewrites: list[dict], *, unsafe: bool,
                tool: str, manual: list[dict] = (), errors: list[dict] = ()) -> dict:
    """The ``migrate verify --format json`` object."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": tool,
        "unsafe": unsafe,
        "summary": summary(targets, rewrites),
        "before": before.to_dict(),
        "after": after.to_dict(),
        "rewrites": list(rewrites),
        "manual": list(manual),
        "targets": targets,
        "regressions": [{"target": t["name"], **r} for t in targets for r in t["regressions"]],
        "improvements": [{"target": t["name"], **i} for t in targets for i in t["improvements"]],
        "errors": list(errors),
    }
