"""Test-only targets for ``--jobs`` and ``--max-memory`` (not part of the demo set in fixtures/).

``probe_a``/``probe_b`` write, when built, the cores their worker may run on and when it built
them into ``$MIGRATE_TEST_PROBES`` (one JSON file each), so a test sees pinning and overlap.
``memory_hog`` holds about 2 GiB while torch.export traces it (eager, the reference, does not).
"""

import json
import os
import time

import torch

import migrate


class Fine(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x) * 2


class HoldsMemoryWhenExported(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_exporting():
            held = torch.ones(1 << 29, dtype=torch.float32)  # 2 GiB, every page touched
            time.sleep(10)  # held long enough for the supervisor to see it
            return x + held[0]
        return x + 1


def _probe(name: str) -> None:
    folder = os.environ.get("MIGRATE_TEST_PROBES")
    if not folder:
        return
    start = time.time()
    time.sleep(1.5)
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    with open(os.path.join(folder, f"{name}.json"), "w") as f:
        json.dump({"cores": cores, "start": start, "end": time.time(), "threads": torch.get_num_threads()}, f)


@migrate.target
def probe_a():
    _probe("probe_a")
    return migrate.Target(Fine(), (torch.randn(2, 3),))


@migrate.target
def probe_b():
    _probe("probe_b")
    return migrate.Target(Fine(), (torch.randn(2, 3),))


@migrate.target
def memory_hog():
    return migrate.Target(HoldsMemoryWhenExported(), (torch.randn(2, 3),))


class BurnsWhenExported(torch.nn.Module):
    """Keeps its core busy for 2 s while torch.export traces it: a neighbour that is converting."""

    def forward(self, x):
        if torch.compiler.is_exporting():
            end = time.process_time() + 2.0
            while time.process_time() < end:
                pass
        return torch.relu(x) * 2


@migrate.target
def burn_a():
    return migrate.Target(BurnsWhenExported(), (torch.randn(2, 3),))


@migrate.target
def burn_b():
    return migrate.Target(BurnsWhenExported(), (torch.randn(2, 3),))
