"""``--jobs`` (targets in parallel, each worker on its own cores) and ``--max-memory``."""

import json
import os
from pathlib import Path

import pytest

from migrate.cli import main
from migrate.convert import convert
from migrate.convert.resources import core_slots, default_max_memory, effective_jobs, parse_size
from migrate.convert.results import ConvertRun
from migrate.convert.table import render_text

HERE = Path(__file__).parent
FIXTURES = HERE.parents[1] / "fixtures" / "models"
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def test_sizes():
    assert parse_size("4G") == 4 << 30
    assert parse_size("512m") == 512 << 20
    assert parse_size("1.5GiB") == 3 << 29
    assert parse_size("2000") == 2000
    assert parse_size("0") is None and parse_size("none") is None and parse_size(None) is None
    with pytest.raises(ValueError):
        parse_size("lots")


def test_core_slots_are_disjoint_and_never_oversubscribed():
    assert core_slots(2, 1, [0, 1]) == [(0,), (1,)]
    assert core_slots(4, 2, [0, 1, 2, 3, 4]) == [(0, 1), (2, 3)]  # 4 jobs of 2 threads do not fit in 5 cores
    assert core_slots(3, 4, [0, 1]) == [()]  # one worker wider than the machine: not pinned
    assert effective_jobs(8, 1, 2) == 2 and effective_jobs(1, 1, 16) == 1
    assert default_max_memory(4, total=16 << 30) == int((16 << 30) * 0.8 / 4)


def test_bad_jobs_and_memory_are_usage_errors(capsys):
    assert main(["convert", str(HERE / "parallel_targets.py"), "--jobs", "0"]) == 2
    assert main(["convert", str(HERE / "parallel_targets.py"), "--max-memory", "lots"]) == 2
    assert "--max-memory" in capsys.readouterr().err
    assert main(["convert", str(HERE / "parallel_targets.py"), "--ray-address", "auto"]) == 2
    assert "--executor ray" in capsys.readouterr().err


@pytest.mark.skipif(CORES < 2, reason="needs 2 cores to run two workers on cores of their own")
def test_jobs_run_targets_at_once_on_cores_of_their_own(tmp_path, monkeypatch):
    probes = tmp_path / "probes"
    probes.mkdir()
    monkeypatch.setenv("MIGRATE_TEST_PROBES", str(probes))
    output = tmp_path / "convert.json"
    code = main(["convert", str(HERE / "parallel_targets.py"), "--targets", "probe_*", "--strategies", "eager",
                 "--jobs", "2", "--min-run-time", "0.01", "--format", "json", "-o", str(output),
                 "--cache-dir", str(tmp_path / "cache")])
    assert code == 0
    run = ConvertRun.load(output)
    assert run.jobs == 2 and run.executor == "process"
    assert [t.name for t in run.targets] == ["probe_a", "probe_b"]  # the order of the targets, not of completion
    a, b = (json.loads((probes / f"{n}.json").read_text()) for n in ("probe_a", "probe_b"))
    assert a["start"] < b["end"] and b["start"] < a["end"], "the two targets did not overlap"
    assert len(a["cores"]) == len(b["cores"]) == 1 and a["cores"] != b["cores"]
    assert a["threads"] == b["threads"] == 1


def test_one_job_runs_one_target_at_a_time_unpinned(tmp_path, monkeypatch):
    probes = tmp_path / "probes"
    probes.mkdir()
    monkeypatch.setenv("MIGRATE_TEST_PROBES", str(probes))
    run = convert([HERE / "parallel_targets.py"], targets=["probe_*"], strategies=["eager"], jobs=1,
                  min_run_time=0.01, cache_dir=tmp_path / "cache")
    assert run.jobs == 1 and all(t.result("eager").status == "ok" for t in run.targets)
    a, b = (json.loads((probes / f"{n}.json").read_text()) for n in ("probe_a", "probe_b"))
    assert a["end"] <= b["start"]
    assert len(a["cores"]) == CORES
    assert run.timed_alone_seconds is None  # nothing to pause


@pytest.mark.slow
def test_a_worker_over_max_memory_is_stopped_and_the_run_goes_on(tmp_path):
    output = tmp_path / "convert.json"
    code = main(["convert", str(HERE / "parallel_targets.py"), "--targets", "memory_hog,probe_a",
                 "--strategies", "export", "--max-memory", "1.2G", "--min-run-time", "0.01", "--timeout", "60",
                 "--format", "json", "-o", str(output), "--cache-dir", str(tmp_path / "cache")])
    assert code == 1
    run = ConvertRun.load(output)
    hog = next(t for t in run.targets if t.name == "memory_hog")
    stopped = hog.result("export")
    assert stopped.status == "crashed" and stopped.cause == "out of memory"
    assert "over --max-memory 1.2 GiB" in stopped.error
    assert hog.result("eager").status == "ok"  # the worker that replaced it went on
    assert next(t for t in run.targets if t.name == "probe_a").result("export").status == "ok"


@pytest.mark.skipif(CORES < 2 or not Path("/proc/self/stat").exists(), reason="needs 2 cores and /proc")
def test_nothing_else_runs_while_a_worker_times(tmp_path):
    """Each worker times with the other paused (timing_gate.py): while one times, the other (which may be
    burning its core in an export) uses no CPU at all, read from /proc; and both still finish."""
    from migrate.convert.timing_gate import GATE

    before = len(GATE.windows)
    run = convert([HERE / "parallel_targets.py"], targets=["burn_*"], strategies=["eager", "export"], jobs=2,
                  min_run_time=0.2, cache_dir=tmp_path / "cache")
    assert all(t.result(s).status == "ok" and t.result(s).latency_ms for t in run.targets for s in ("eager", "export"))
    windows = GATE.windows[before:]
    # per target, eager and export side by side (side_by_side.py); their first timings, right after each
    # conversion, are brief and run beside the other worker, as both are timed again
    assert len(windows) == 2, [round(w.seconds, 2) for w in windows]
    notes = [n for t in run.targets for s in ("eager", "export") for n in t.result(s).notes
             if n.startswith("latency timed side by side")]
    assert len(notes) == 4 and all("first timed briefly after its conversion beside the other workers" in n for n in notes)
    paused = [ticks for w in windows for ticks in w.paused.values()]
    assert paused, "no window overlapped the other worker"
    assert all(0 <= ticks <= 1 for ticks in paused), paused  # 1 tick (10 ms) of slack for the signal
    assert run.timed_alone_seconds == pytest.approx(sum(w.seconds for w in windows), abs=0.1)
    assert run.timed_alone_seconds >= 2 * 2 * 0.2  # two pairs, each program for at least --min-run-time


def test_reuse_takes_unchanged_targets_from_the_last_run_and_reruns_a_changed_one(tmp_path):
    """--reuse: a target whose files, environment and options are unchanged gets the stored results without a
    worker; editing the targets file, or another strategy list, converts again."""
    targets = tmp_path / "targets.py"
    targets.write_text((HERE / "parallel_targets.py").read_text())
    options = dict(targets=["probe_a", "probe_b"], strategies=["eager", "export"], min_run_time=0.01,
                   cache_dir=tmp_path / "cache", jobs=1)
    first = convert([targets], **options)
    assert all(t.reused is None for t in first.targets)
    events = []
    second = convert([targets], reuse=True, on_event=events.append, **options)
    assert all(t.reused for t in second.targets)
    assert not [e for e in events if e["event"] == "start"]  # no worker ran
    assert [t.to_dict()["results"] for t in second.targets] == [t.to_dict()["results"] for t in first.targets]
    assert "(reused:" in render_text(second)
    third = convert([targets], reuse=True, **{**options, "strategies": ["eager"]})  # other options: converted
    assert all(t.reused is None for t in third.targets)
    targets.write_text(targets.read_text() + "\n# edited\n")
    fourth = convert([targets], reuse=True, **options)
    assert all(t.reused is None for t in fourth.targets)
    assert ConvertRun.from_dict(second.to_dict()).targets[0].reused == second.targets[0].reused
