"""The capture format: what ``migrate record`` writes for one intercepted TorchScript call.

A capture named ``NAME`` is up to four files in the captures folder:

``NAME.capture.json``  the metadata (format ``migrate-capture``, version 1), written last: a
                       capture exists once this file does. Plain JSON, safe to read.
``NAME.module.pt``     the eager module (or a reference to the function) as it was at the call,
                       saved with ``torch.save``: a **pickle, which runs code when loaded**.
``NAME.inputs.pt``     the recorded calls: ``{"calls": [{"args": tuple, "kwargs": dict}, ...]}``;
                       the first is the example, the others are check inputs (also a pickle).
``NAME.archive.pt``    the TorchScript program the call returned, kept only when the source
                       cannot be re-imported (a local class, a lambda attribute, ``python -c``).

Every file is written to a temporary name and renamed (``os.replace``), so a command that fails,
is interrupted or crashes leaves only complete captures. Payload files carry their size and
SHA-256 in the metadata, which is how a corrupt or truncated capture is told apart.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import re
import sys
import types
from pathlib import Path

FORMAT, VERSION = "migrate-capture", 1
META_SUFFIX = ".capture.json"
PAYLOADS = ("module", "inputs", "archive")


def payload_path(meta_path: Path, kind: str) -> Path:
    """``NAME.capture.json`` -> ``NAME.<kind>.pt``."""
    return meta_path.with_name(meta_path.name[: -len(META_SUFFIX)] + f".{kind}.pt")


def file_stem(display_name: str, key: str) -> str:
    """A file name for a capture: its display name made safe, plus a hash of its identity."""
    safe = re.sub(r"[^A-Za-z0-9._@-]+", "_", display_name)[:80]
    return f"{safe}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def atomic_write(path: Path, write) -> int:
    """Write through ``write(file)`` to a temporary file, then rename it over ``path``; its size."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        size = temporary.stat().st_size
        os.replace(temporary, path)
        return size
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_json(path: Path, data: dict) -> None:
    atomic_write(path, lambda f: f.write(json.dumps(data, indent=1, sort_keys=True).encode()))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- pickling: TorchScript objects travel as archives, __main__ classes are noted -------------------

def load_script_archive(data: bytes):
    """Rebuild a ScriptModule/ScriptFunction held inside a captured module."""
    import torch

    return torch.jit.load(io.BytesIO(data), map_location="cpu")


class NotImportable(Exception):
    """The snapshot references code that cannot be imported again (local class, lambda, python -c)."""


def _pickle_module(main_file: str | None, main_problem: str | None = None):
    """A ``pickle_module`` for torch.save: ScriptModules as archives; refuses what cannot be re-imported."""
    import torch

    script_types = (torch.jit.ScriptModule, torch._C.ScriptFunction)

    used_main = []  # torch.save may subclass Pickler: the flag lives here, not on the class

    class Pickler(pickle.Pickler):
        def reducer_override(self, obj):
            if isinstance(obj, script_types):
                buffer = io.BytesIO()
                torch.jit.save(obj, buffer)
                return load_script_archive, (buffer.getvalue(),)
            if isinstance(obj, (type, types.FunctionType)):
                qualname = getattr(obj, "__qualname__", "")
                if "<locals>" in qualname or "<lambda>" in qualname:
                    raise NotImportable(f"{qualname} is a local class or function")
                if getattr(obj, "__module__", None) == "__main__":
                    if not main_file or main_problem:
                        raise NotImportable(f"{qualname} is defined in __main__, {main_problem or 'which has no file (python -c, stdin)'}")
                    used_main.append(qualname)
            return NotImplemented

    return types.SimpleNamespace(Pickler=Pickler, Unpickler=pickle.Unpickler, __name__="pickle",
                                 load=pickle.load, dump=pickle.dump, used_main=used_main)


def save_payload(path: Path, obj, main_file: str | None) -> tuple[int, bool]:
    """torch.save ``obj`` atomically; (bytes written, whether it references ``__main__``).

    Raises NotImportable when ``obj`` references code that cannot be imported again.
    """
    import torch

    module = _pickle_module(main_file, main_problem(main_file) if main_file else None)
    size = atomic_write(path, lambda f: torch.save(obj, f, pickle_module=module))
    return size, bool(module.used_main)


def load_payload(path: Path, main_module=None):
    """torch.load a payload; names of ``__main__`` resolve in ``main_module`` (the recorded script)."""
    import torch

    class Unpickler(pickle.Unpickler):
        def find_class(self, module_name, name):
            if module_name == "__main__" and main_module is not None:
                module_name = main_module.__name__
            return super().find_class(module_name, name)

    module = types.SimpleNamespace(Unpickler=Unpickler, Pickler=pickle.Pickler, __name__="pickle",
                                   load=lambda f, **kw: Unpickler(f, **kw).load())
    return torch.load(path, map_location="cpu", weights_only=False, pickle_module=module)


MAIN_GUARD = re.compile(r"""^if\s+__name__\s*==\s*['"]__main__['"]\s*:""", re.MULTILINE)


def main_problem(main_file: str) -> str | None:
    """Why the recorded script cannot be imported to rebuild its classes (None: it can).

    Importing a script runs its top level again; with an ``if __name__ == "__main__":`` guard that
    defines classes and functions only.
    """
    try:
        text = Path(main_file).read_text(errors="replace")
    except OSError as exc:
        return f"whose file cannot be read ({exc.strerror})"
    if not MAIN_GUARD.search(text):
        return 'whose script has no `if __name__ == "__main__":` guard (importing it would run it again)'
    return None


# -- describing inputs -----------------------------------------------------------------------------

def describe(args: tuple, kwargs: dict) -> dict:
    """Shapes, dtypes and size in bytes of one call's inputs (for the metadata and for dedup)."""
    import torch
    from torch.utils._pytree import tree_flatten

    leaves, _ = tree_flatten((args, kwargs))
    shapes, total = [], 0
    for leaf in leaves:
        if isinstance(leaf, torch.Tensor):
            shapes.append({"shape": list(leaf.shape), "dtype": str(leaf.dtype).replace("torch.", "")})
            total += leaf.numel() * leaf.element_size()
        else:
            shapes.append({"type": type(leaf).__name__})
    return {"inputs": shapes, "bytes": total, "kwargs": sorted(kwargs)}


def same_values(a, b) -> bool:
    """Two calls' inputs equal leaf by leaf (a repeated call adds nothing)."""
    import torch
    from torch.utils._pytree import tree_flatten

    left, left_spec = tree_flatten(a)
    right, right_spec = tree_flatten(b)
    if left_spec != right_spec:
        return False
    for x, y in zip(left, right):
        if isinstance(x, torch.Tensor) != isinstance(y, torch.Tensor):
            return False
        if isinstance(x, torch.Tensor):
            if x.shape != y.shape or x.dtype != y.dtype or not torch.equal(x, y):
                return False
        elif type(x) is not type(y) or x != y:
            return False
    return True


def read_meta(path: Path) -> dict:
    """The metadata of one capture; ValueError with the reason when it is not one."""
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"unreadable capture metadata: {exc}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not a migrate capture (no \"format\": \"migrate-capture\")")
    if data.get("version") != VERSION:
        raise ValueError(f"capture format version {data.get('version')!r}; this migrate reads version {VERSION}")
    return data


def python_version() -> str:
    return ".".join(map(str, sys.version_info[:3]))
