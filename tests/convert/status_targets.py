"""Test-only targets, one per way a conversion can end (not part of the demo set in fixtures/).

The crashing and hanging ones misbehave only while torch.export traces them, so eager (the
reference) works and only the ``export`` strategy is hit.
"""

import ctypes
import os
import time

import torch

import migrate


class Fine(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x) * 2


class CrashesWhenExported(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_exporting():
            ctypes.string_at(0)  # reads address 0: SIGSEGV
        return x + 1


class AbortsWhenExported(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_exporting():
            os.abort()
        return x + 1


class HangsWhenExported(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_exporting():
            time.sleep(3600)
        return x + 1


class RaisesWhenExported(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_exporting():
            raise ValueError("this model refuses to be exported")
        return x + 1


class AllocatesTooMuchWhenExported(torch.nn.Module):
    def forward(self, x):
        if torch.compiler.is_exporting():
            return x + torch.empty(1 << 46, dtype=torch.uint8).sum()  # 64 TiB: the allocator refuses
        return x + 1


@migrate.target
def fine():
    return migrate.Target(Fine(), (torch.randn(2, 3),))


@migrate.target(name="segfaults")
def segfaults():
    return migrate.Target(CrashesWhenExported(), (torch.randn(2, 3),))


@migrate.target(name="aborts")
def aborts():
    return migrate.Target(AbortsWhenExported(), (torch.randn(2, 3),))


@migrate.target(name="hangs")
def hangs():
    return migrate.Target(HangsWhenExported(), (torch.randn(2, 3),))


@migrate.target(name="raises")
def raises():
    return migrate.Target(RaisesWhenExported(), (torch.randn(2, 3),))


@migrate.target(name="out_of_memory")
def out_of_memory():
    return migrate.Target(AllocatesTooMuchWhenExported(), (torch.randn(2, 3),))


@migrate.target(name="broken_build")
def broken_build():
    raise RuntimeError("the factory itself fails")
