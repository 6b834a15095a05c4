"""``--jobs``: targets start longest first by their last recorded time (migrate/convert/durations.py)."""

import json
import time
from pathlib import Path

from migrate.convert import convert, durations
from migrate.convert.targets import TargetRef

HERE = Path(__file__).parent


def ref(name: str) -> TargetRef:
    return TargetRef(name=name, file="/x/targets.py", line=1)


def test_unknown_targets_start_first_in_order_then_the_longest():
    refs = [ref("short"), ref("new_a"), ref("long"), ref("new_b"), ref("middle")]
    known = {durations.key(ref("short")): 1.0, durations.key(ref("long")): 30.0, durations.key(ref("middle")): 5.0}
    assert [refs[i].name for i in durations.longest_first(refs, known)] == ["new_a", "new_b", "long", "middle", "short"]


def test_the_file_is_merged_atomically_and_a_broken_one_is_ignored(tmp_path):
    (tmp_path / durations.FILE).write_text("{not json")
    assert durations.load(tmp_path) == {}
    durations.save(tmp_path, {"a": 1.234})
    durations.save(tmp_path, {"b": 2.0})
    assert durations.load(tmp_path) == {"a": 1.23, "b": 2.0}
    assert [p.name for p in tmp_path.iterdir()] == [durations.FILE]  # no temporary left behind
    (tmp_path / durations.FILE).write_text("[1, 2]")
    assert durations.load(tmp_path) == {}


def test_a_parallel_run_records_each_target_and_reports_them_in_order(tmp_path):
    cache = tmp_path / "cache"
    options = dict(targets=["probe_*"], strategies=["eager"], min_run_time=0.01, cache_dir=cache)
    keys = {name: f"{(HERE / 'parallel_targets.py').resolve()}::{name}" for name in ("probe_a", "probe_b")}
    (cache).mkdir()
    (cache / durations.FILE).write_text(json.dumps({keys["probe_a"]: 1.0, keys["probe_b"]: 50.0}))
    run = convert([HERE / "parallel_targets.py"], jobs=2, **options)
    assert [t.name for t in run.targets] == ["probe_a", "probe_b"]  # the order of the targets
    recorded = durations.load(cache)
    assert set(recorded) == set(keys.values()) and recorded[keys["probe_b"]] < 50.0  # this run's times


def test_the_longest_targets_take_the_first_workers(tmp_path, monkeypatch):
    """Three targets, two workers: the two that took longest last time start at once, the short one
    only when a worker is free."""
    from migrate.convert import executors, supervisor
    from migrate.convert.supervisor import WorkerOptions

    refs = [ref("short"), ref("long"), ref("middle")]
    durations.save(tmp_path, {durations.key(ref("short")): 1.0, durations.key(ref("long")): 30.0,
                              durations.key(ref("middle")): 5.0})
    spans = {}

    def fake_worker(target, names, options, on_event):
        started = time.monotonic()
        time.sleep(0.3)
        spans[target.name] = (started, time.monotonic())
        return {}

    monkeypatch.setattr(supervisor, "run_worker", fake_worker)
    monkeypatch.setattr(executors, "usable_cores", lambda: [0, 1])
    out = executors.run_in_processes(refs, ["eager"], WorkerOptions(tmp_path / "artifacts", tmp_path), None, jobs=2)
    assert out == [{}, {}, {}]
    assert spans["short"][0] >= min(spans["long"][1], spans["middle"][1]) - 0.01, spans
    assert durations.load(tmp_path)[durations.key(ref("long"))] < 30.0
