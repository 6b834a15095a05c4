"""How a latency is measured (migrate/convert/latency.py): warm-up and block size outside the exclusive
timing phase, the timed blocks inside it, on pinned cores."""

import contextlib
import os
import threading
import time

import pytest
import torch

from migrate.convert import latency
from migrate.convert.harness import measure
from migrate.convert.targets import Target

CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def test_block_size_makes_blocks_of_about_the_block_time():
    calls = []

    def call():
        calls.append(1)
        time.sleep(0.001)

    number = latency.block_size(call, per_block=0.01)
    assert 2 <= number <= 10  # 1 ms calls (at least: sleep overshoots) in 10 ms blocks
    assert len(calls) >= 3 + 1  # three warm-up calls and a block of the first estimate


def test_timed_blocks_run_until_min_run_time_and_at_least_min_blocks():
    calls = []

    def call():
        calls.append(1)
        time.sleep(0.002)

    times = latency.timed_blocks(call, 2, min_run_time=0.05, min_blocks=3)
    assert len(times) >= 3 and sum(times) * 2 >= 0.05
    assert all(t >= 0.002 for t in times)  # seconds per call, not per block
    assert len(calls) == 2 * (len(times) + 1)  # one block first that is not counted
    few = latency.timed_blocks(lambda: time.sleep(0.03), 1, min_run_time=0.0, min_blocks=3)
    assert len(few) == 3


def test_summary_interpolates_as_torch_quantile():
    values = [0.5, 0.1, 0.4, 0.2, 0.3, 0.9]
    median, iqr = latency.summary(values)
    data = torch.tensor(values, dtype=torch.float64)
    assert median == pytest.approx(data.quantile(0.5).item())
    assert iqr == pytest.approx((data.quantile(0.75) - data.quantile(0.25)).item())
    assert latency.summary([0.2]) == (0.2, 0.0)


def test_only_the_timed_blocks_run_inside_the_phase():
    """The exclusive phase (the other workers paused) covers the measurement, not the warm-up."""
    state = {"inside": False, "before": 0, "during": 0}

    def run(x):
        state["during" if state["inside"] else "before"] += 1
        return x + 1

    @contextlib.contextmanager
    def phase():
        state["inside"] = True
        yield
        state["inside"] = False

    result = measure(run, Target(torch.nn.Identity(), (torch.ones(2),)), threads=1, min_run_time=0.02, phase=phase)
    assert state["before"] >= 4  # warm-up and the block-size estimate
    assert state["during"] >= result.runs > 0  # the counted calls, after one uncounted block
    assert result.median > 0 and result.iqr >= 0


@pytest.mark.skipif(CORES < 2 or not os.path.isdir("/proc/self/task"), reason="needs 2 cores and /proc")
def test_pinned_puts_every_thread_on_one_core_and_restores():
    seen, go, done = [], threading.Event(), threading.Event()

    def other_thread():  # a thread that already exists (torch's pool threads do)
        go.wait()
        seen.append(os.sched_getaffinity(0))
        done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    before = os.sched_getaffinity(0)
    with latency.pinned(1):
        assert len(os.sched_getaffinity(0)) == 1
        go.set()
        done.wait(5)
    thread.join()
    assert seen and len(seen[0]) == 1
    assert os.sched_getaffinity(0) == before
    with latency.pinned(CORES):  # already on that many cores: nothing changes
        assert os.sched_getaffinity(0) == before
