"""``python -m tests.convert.bench``: how fast ``migrate convert`` gets through a fixed set of targets.

One run converts the same targets (the fixtures in fixtures/models, plus timm's resnet18, mobilenetv3 and
vit built here with random weights when timm is installed) in each configuration, each
``migrate convert`` in its own process, and prints the wall time per configuration, targets per
minute and the speed-ups:

    jobs1         --jobs 1, without AOTInductor (--skip aoti: aoti and its variants)
    jobs2         --jobs 2, without AOTInductor, on jobs1's cache: its targets start longest first by
                  the durations jobs1 recorded (migrate/convert/durations.py), as a repeated run's do
    ray           --executor ray --jobs 2 (a local cluster; left out without Ray), without AOTInductor
    aoti-cold     --jobs 2, every default strategy, an empty cache (AOTInductor compiles everything)
    aoti-warm     the same again on that cache (packages reused, everything else converted and timed again)
    aoti-reuse    the same again with --reuse (unchanged targets take the stored results: no worker runs)
    (jobs2 vs jobs1: each target's median latency with --jobs 2 against --jobs 1, the spread and the
                  worst pair: whether two targets measured at once, each on a core of its own, disturb
                  each other; the runs' own IQRs say how much of it is noise)
    latency       SimpleCNN, TransformerEncoder, MultiheadAttention, LSTM at 1 thread with --tuned
                  (--jobs 2: each worker on a core of its own; on aoti-cold's cache, so only aoti.tuned
                  compiles): the fastest export-family program per target, its strategy and its ratio
                  to jit.script (to jit.trace where jit.script fails: the LSTM), from the medians
                  ``migrate convert`` timed side by side (migrate/convert/side_by_side.py: every
                  ok program of a target round-robin after its conversions, so the host's drift
                  between timings minutes apart falls on all of them alike)

Options: ``--only NAME,NAME`` runs only those configurations; ``--targets`` limits the fixtures
(shell patterns); ``--keep DIR`` keeps the JSON of each run there. The figures are the machine's
at the time: on a machine shared with other work they are noisy (run it on a quiet one).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted(str(p) for p in (ROOT / "fixtures" / "models").glob("*.py"))
REAL_MODELS = ROOT / "tests" / "real_models"
LATENCY_TARGETS = ("SimpleCNN", "TransformerEncoder", "MultiheadAttention", "LSTM")
EXPORT_FAMILIES = ("export", "fallback", "compiled")
NO_AOTI = ["--skip", "aoti"]  # aoti and its variants (aoti.freeze, aoti.sdpa_math, ...)


def target_args() -> tuple[list[str], list[str]]:
    """(paths and options naming the benchmark's targets, notes on what is left out)."""
    args, notes = list(FIXTURES), []
    if importlib.util.find_spec("timm") is not None:
        args += [str(REAL_MODELS / "models_timm.py"), "--path", str(REAL_MODELS)]
    else:
        notes.append("timm is not installed: its resnet18, mobilenetv3 and vit are left out")
    return args, notes


def configurations(has_ray: bool) -> list[tuple[str, list[str], str]]:
    """(name, migrate convert options, cache folder name); same cache name = same cache."""
    configs = [("jobs1", ["--jobs", "1", *NO_AOTI], "plain"), ("jobs2", ["--jobs", "2", *NO_AOTI], "plain")]
    if has_ray:
        configs.append(("ray", ["--executor", "ray", "--jobs", "2", *NO_AOTI], "plain"))
    configs += [("aoti-cold", ["--jobs", "2"], "aoti"), ("aoti-warm", ["--jobs", "2"], "aoti"),
                ("aoti-reuse", ["--jobs", "2", "--reuse"], "aoti"),
                ("latency", ["--jobs", "2", "--tuned", "--min-run-time", "1",
                             "--strategies", "eager,jit.script,jit.trace,export,aoti,aoti.freeze,aoti.sdpa_math,aoti.tuned"],
                 "aoti")]
    return configs


def with_root_on_path(env: dict) -> dict:
    """``env`` with the repository first on PYTHONPATH (the child imports ``migrate`` and ``tests`` from here)."""
    return dict(env, PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p))


def run_convert(paths: list[str], options: list[str], cache: Path, output: Path) -> tuple[float, dict]:
    env = with_root_on_path({k: v for k, v in os.environ.items() if k != "TORCHINDUCTOR_CACHE_DIR"})  # this cache only
    command = [sys.executable, "-m", "migrate", "convert", *paths, *options, "--format", "json", "-o", str(output),
               "--cache-dir", str(cache)]
    started = time.monotonic()
    done = subprocess.run(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.monotonic() - started
    if not output.exists():
        raise RuntimeError(f"migrate convert failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, json.loads(output.read_text())


def aoti_seconds(data: dict) -> tuple[float, int, int]:
    """(seconds spent converting with compiled strategies, packages reused, packages compiled)."""
    families = {s["name"]: s["family"] for s in data["strategies"]}
    results = [r for t in data["targets"] for r in t["results"] if families.get(r["strategy"]) == "compiled"]
    return (sum(r["seconds"] or 0 for r in results), sum(r.get("cached") is True for r in results),
            sum(r.get("cached") is False for r in results))


def fastest_export(data: dict) -> list[tuple[str, str, float | None, float | None, str | None]]:
    """(target, strategy, its median ms, its ratio to the baseline, the baseline) of the fastest ok
    export-family program. The baseline is jit.script; where it failed (torch 2.13's scripted nn.LSTM has no
    forward), the fastest ok TorchScript program (jit.trace), named in the output."""
    families = {s["name"]: s["family"] for s in data["strategies"]}
    rows = []
    for target in data["targets"]:
        measured = [r for r in target["results"] if r["status"] == "ok" and r["latency_ms"]]
        script = next((r for r in measured if r["strategy"] == "jit.script"), None)
        if script is None:
            script = min((r for r in measured if families.get(r["strategy"]) == "torchscript"),
                         key=lambda r: r["latency_ms"]["median"], default=None)
        ok = [r for r in measured if families.get(r["strategy"]) in EXPORT_FAMILIES]
        if not ok:
            rows.append((target["name"], "none ok", None, None, None))
            continue
        best = min(ok, key=lambda r: r["latency_ms"]["median"])
        ratio = best["latency_ms"]["median"] / script["latency_ms"]["median"] if script else None
        rows.append((target["name"], best["strategy"], best["latency_ms"]["median"], ratio,
                     script["strategy"] if script else None))
    return rows


def medians(data: dict) -> dict:
    """(target, strategy) -> (median, iqr) in ms, for every result that measured a latency."""
    return {(t["name"], r["strategy"]): (r["latency_ms"]["median"], r["latency_ms"]["iqr"])
            for t in data["targets"] for r in t["results"] if r.get("latency_ms")}


def print_agreement(one: dict, two: dict) -> None:
    """How far --jobs 2's medians are from --jobs 1's: the ratio's quartiles, the worst pair, and how many
    differ by more than the two runs' IQRs together."""
    first, second = medians(one), medians(two)
    shared = sorted(set(first) & set(second))
    if not shared:
        return
    ratios = sorted((second[k][0] / first[k][0], k) for k in shared if first[k][0] > 0)
    beyond = sum(abs(first[k][0] - second[k][0]) > first[k][1] + second[k][1] for k in shared)
    quarter = lambda q: ratios[min(len(ratios) - 1, int(q * len(ratios)))][0]  # noqa: E731
    worst = max(ratios, key=lambda r: abs(r[0] - 1))
    print()
    print(f"latency with --jobs 2 against --jobs 1 ({len(ratios)} medians): ratio quartiles "
          f"{quarter(0.25):.2f} / {quarter(0.5):.2f} / {quarter(0.75):.2f}; worst {worst[0]:.2f}x "
          f"({worst[1][0]} {worst[1][1]}); {beyond} apart by more than their IQRs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.convert.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="configurations to run (comma-separated)")
    parser.add_argument("--targets", help="only these targets (shell patterns, comma-separated; latency keeps its own)")
    parser.add_argument("--keep", metavar="DIR", help="keep each run's JSON here")
    args = parser.parse_args(argv)
    has_ray = importlib.util.find_spec("ray") is not None
    configs = configurations(has_ray)
    if args.only:
        wanted = set(args.only.split(","))
        configs = [c for c in configs if c[0] in wanted]
    paths, notes = target_args()
    notes += [] if has_ray else ["Ray is not installed: the ray configuration is left out"]
    work = Path(tempfile.mkdtemp(prefix="migrate-bench-"))
    keep = Path(args.keep) if args.keep else work
    keep.mkdir(parents=True, exist_ok=True)
    print(f"torch threads 1 · {len(os.sched_getaffinity(0))} cores · load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} (other work on the machine skews every figure)")
    for note in notes:
        print(f"note: {note}")
    rows, walls, latency, runs = [], {}, None, {}
    try:
        for name, options, cache in configs:
            target_options = ["--targets", ",".join(LATENCY_TARGETS)] if name == "latency" else (
                ["--targets", args.targets] if args.targets else [])
            seconds, data = run_convert(paths, options + target_options, work / f"cache-{cache}",
                                        keep / f"{name}.json")
            count = len(data["targets"])
            walls[name] = seconds
            runs[name] = data
            spent, hits, compiled = aoti_seconds(data)
            rows.append((name, count, seconds, count / seconds * 60, spent, hits, compiled,
                         data.get("timed_alone_seconds") or 0.0))
            print(f"  {name}: {count} targets in {seconds:.1f} s", flush=True)
            if name == "latency":
                latency = fastest_export(data)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"{'configuration':14} {'targets':>7} {'wall s':>8} {'targets/min':>11} {'speed-up':>9} "
          f"{'aoti s':>7} {'reused':>6} {'compiled':>8} {'alone s':>7}")
    for name, count, seconds, per_minute, spent, hits, compiled, alone in rows:
        base = "aoti-cold" if name in ("aoti-warm", "aoti-reuse") else "jobs1"
        speedup = walls[base] / seconds if base in walls and name not in (base, "aoti-cold", "latency") else None
        print(f"{name:14} {count:7d} {seconds:8.1f} {per_minute:11.2f} "
              f"{f'{speedup:.2f}x' if speedup else '':>9} {spent:7.1f} {hits:6d} {compiled:8d} {alone:7.1f}")
    print("speed-up: jobs2 and ray against jobs1; aoti-warm and aoti-reuse against aoti-cold (wall time); "
          "alone s: timing with the other workers paused (one core idle meanwhile)")
    if "jobs1" in runs and "jobs2" in runs:
        print_agreement(runs["jobs1"], runs["jobs2"])
    if latency:
        print()
        print("fastest export-family program at 1 thread (ratio to jit.script, or to jit.trace where jit.script "
              "failed, timed side by side; goal <= 0.6x):")
        for target, strategy, median, ratio, baseline in latency:
            shown = f"{median * 1000:.1f} µs" if median is not None else "–"
            print(f"  {target:20} {strategy:12} {shown:>10}  {f'{ratio:.2f}x' if ratio is not None else '–'}"
                  f"{f' of {baseline}' if baseline else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
