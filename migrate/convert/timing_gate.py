"""Latency is measured with nothing else running: the other workers are paused while one times.

With ``--jobs 2`` each worker has a core of its own, but a target converting on the other core still
slows the one being timed (the cores share cache and memory bandwidth: measured on the 2-core CI
machine, MultiheadAttention's eager median was 1.5x its ``--jobs 1`` value beside a compiling
neighbour). So conversion and checks run in parallel, and timing is a phase of its own:

1. the worker asks (``{"event": "timing", "state": "ask"}``) and waits for a line on its stdin;
2. the supervisor thread watching it takes the gate (one worker times at a time), stops every
   other live worker's process group (``SIGSTOP``: their compiler processes too), waits until
   each is stopped, and writes ``go``;
3. the worker times its program and says ``{"event": "timing", "state": "done"}``; the others
   continue (``SIGCONT``). A worker that dies or hangs while holding the gate releases it (the
   supervisor's cleanup), and the seconds a worker spent paused are added to its timeout.

Each window is recorded (``TimingGate.windows``: who timed, who was paused, and the CPU ticks the
paused workers used meanwhile, read from ``/proc``), so a test can show that nothing ran.
Only the ``process`` executor with more than one job uses it; Ray tasks on other machines cannot be
paused from here (their latencies are measured beside whatever else runs on that node).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field

STOP_WAIT_S = 0.5  # how long to wait for a paused worker to be stopped before timing anyway


@dataclass
class Window:
    """One timing phase: the worker that timed and what the paused workers did meanwhile."""

    pid: int
    paused: dict[int, int] = field(default_factory=dict)  # pid -> CPU ticks used while paused (0: nothing ran)
    started: float = 0.0
    seconds: float = 0.0


def cpu_ticks(pid: int) -> int | None:
    """utime + stime of ``pid`` (clock ticks), or None where /proc cannot say."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


class TimingGate:
    def __init__(self) -> None:
        self._lock = threading.Lock()  # held by the supervisor thread of the worker that times
        self._guard = threading.Lock()  # protects the fields below
        self._live: set[int] = set()
        self._paused_seconds: dict[int, float] = {}
        self._holder: int | None = None
        self._current: Window | None = None
        self._stopped: dict[int, int | None] = {}
        self.windows: list[Window] = []

    def register(self, pid: int) -> None:
        with self._guard:
            self._live.add(pid)
            self._paused_seconds.setdefault(pid, 0.0)

    def unregister(self, pid: int) -> None:
        """The worker is gone; if it held the gate, the others continue."""
        if self._holder == pid:
            self.end(pid)
        with self._guard:
            self._live.discard(pid)

    def paused_seconds(self, pid: int) -> float:
        with self._guard:
            return self._paused_seconds.get(pid, 0.0)

    def begin(self, pid: int) -> None:
        """Take the gate for ``pid`` and stop every other live worker (blocks while another one times)."""
        self._lock.acquire()
        with self._guard:
            self._holder = pid
            others = sorted(p for p in self._live if p != pid)
        stopped = {}
        for other in others:
            try:
                os.killpg(other, signal.SIGSTOP)
            except (ProcessLookupError, PermissionError):
                continue
            stopped[other] = None
        deadline = time.monotonic() + STOP_WAIT_S
        for other in stopped:
            while _state(other) not in ("T", "t", None) and time.monotonic() < deadline:
                time.sleep(0.002)
            stopped[other] = cpu_ticks(other)
        self._stopped = stopped
        self._current = Window(pid, started=time.monotonic())

    def end(self, pid: int) -> None:
        """Give the gate back: the paused workers continue."""
        if self._holder != pid:
            return
        window, stopped = self._current, self._stopped
        seconds = time.monotonic() - window.started if window else 0.0
        for other, ticks in stopped.items():
            after = cpu_ticks(other)
            if window is not None:
                window.paused[other] = after - ticks if after is not None and ticks is not None else -1
            try:
                os.killpg(other, signal.SIGCONT)
            except (ProcessLookupError, PermissionError):
                pass
        with self._guard:
            for other in stopped:
                self._paused_seconds[other] = self._paused_seconds.get(other, 0.0) + seconds
            if window is not None:
                window.seconds = seconds
                self.windows.append(window)
            self._holder, self._current, self._stopped = None, None, {}
        self._lock.release()


GATE = TimingGate()
