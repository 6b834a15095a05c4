"""The shared progress bar: count, elapsed time, an estimate of the time left, and the current step with
its own elapsed time (which keeps counting while one long step runs)."""

from __future__ import annotations

import io
import time

from rich.console import Console

from migrate.cli_common import ProgressBar


def _render(bar: ProgressBar) -> str:
    out = Console(file=io.StringIO(), width=160, force_terminal=True, color_system=None)
    out.print(bar.bar.get_renderable())
    return out.file.getvalue()


def test_bar_shows_eta_and_the_steps_own_elapsed_time(monkeypatch):
    console = Console(file=io.StringIO(), force_terminal=True, width=160)
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    with ProgressBar(console, "converting", min_total=0) as bar:
        bar(0, 4, "SimpleCNN: export")
        bar(1, 4, "SimpleCNN: aoti")
        clock[0] += 42  # a long compile: nothing reports, the step's clock goes on
        text = _render(bar)
        assert "SimpleCNN: aoti" in text and "1/4" in text
        assert "eta" in text and "this step 0:42" in text
        bar(2, 4, "SimpleCNN: aoti")  # the same step reporting again keeps its clock
        assert "this step 0:42" in _render(bar)
        bar(3, 4, "MyCell: eager")
        assert "this step 0:00" in _render(bar)


def test_no_bar_when_not_a_terminal():
    with ProgressBar(Console(file=io.StringIO()), "scanning", min_total=0) as bar:
        bar(1, 2, "x")
        assert bar.tasks == []
