"""Start-up of a recorded process: install the wrappers as soon as torch is imported.

Importing torch in every Python process of a run (pip, build helpers...) would cost a second or
more each, so nothing is imported until the program itself runs ``import torch``: a finder on
``sys.meta_path`` wraps torch's loader and installs the wrappers right after torch's own
``__init__`` (``from torch.jit import script`` in user code then gets the wrapper).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

ENV_DIR, ENV_MAX_CALLS, ENV_MAX_BYTES, ENV_MAX_TOTAL = (
    "MIGRATE_RECORD_DIR", "MIGRATE_RECORD_MAX_CALLS", "MIGRATE_RECORD_MAX_BYTES", "MIGRATE_RECORD_MAX_TOTAL_BYTES")


def recorder_from_environment():
    from migrate.record.hooks import Recorder

    out = Path(os.environ[ENV_DIR])
    out.mkdir(parents=True, exist_ok=True)
    return Recorder(out, int(os.environ.get(ENV_MAX_CALLS, 4)), int(os.environ.get(ENV_MAX_BYTES, 100 << 20)),
                    int(os.environ.get(ENV_MAX_TOTAL, 500 << 20)))


def _install(torch) -> None:
    from migrate.record.patches import install

    install(torch, recorder_from_environment())


class _TorchFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name != "torch":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_install(module):
            exec_module(module)
            _install(module)

        spec.loader.exec_module = exec_and_install
        return spec


def start() -> None:
    if "torch" in sys.modules:
        _install(sys.modules["torch"])
    else:
        sys.meta_path.insert(0, _TorchFinder())


def chain_sitecustomize(own_dir: str) -> None:
    """Run the ``sitecustomize`` that ours shadows (a distribution's or a virtualenv's)."""
    others = [p for p in sys.path if p and os.path.abspath(p) != own_dir]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", others)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
