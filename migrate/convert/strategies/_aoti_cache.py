"""AOTInductor packages reused across runs (not a strategy: files starting with ``_`` are skipped).

A package is determined by the exported program (its graph, with shapes, dtypes and the strides of
its inputs, and the values
of its parameters, buffers and constants), the torch version, the inductor configuration (the
process's, plus the strategy's options), the thread count and the machine (architecture, CPU
capability). ``package_key`` hashes exactly these; ``compile_package`` compiles only when the user cache (``ctx.cache_dir/aoti-packages``)
has no package under that key, and copies the package to the target's artifact path either way.
A cache hit costs a load and a hash instead of a compile (seconds to a minute on a 2-core CPU).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

CACHE_FOLDER = "aoti-packages"
KEY_VERSION = "2"  # bump when what goes into the key changes (2: the machine and its CPU capability)


def constants_digest(program) -> str:
    """sha256 of the name, dtype, shape and bytes of every parameter, buffer and tensor constant."""
    import torch

    digest = hashlib.sha256()
    tensors = {**{f"state:{k}": v for k, v in program.state_dict.items()},
               **{f"const:{k}": v for k, v in getattr(program, "constants", {}).items()}}
    for name in sorted(tensors):
        value = tensors[name]
        digest.update(name.encode())
        if isinstance(value, torch.Tensor):
            tensor = value.detach().cpu().contiguous()
            digest.update(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
            if tensor.numel():
                digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
        else:  # a script object or other constant: its type and repr
            digest.update(f"{type(value).__qualname__}:{value!r}".encode())
    return digest.hexdigest()


def inputs_layout(program) -> str:
    """Shape, strides, dtype and device of every input the graph takes: the package is specialised to the
    example's strides (a transposed example gives another package), which the graph text does not show."""
    parts = []
    for node in program.graph.nodes:
        if node.op != "placeholder":
            continue
        value = node.meta.get("val")
        stride = getattr(value, "stride", None)
        if callable(stride):
            parts.append(f"{node.name}:{tuple(value.shape)}:{tuple(stride())}:{value.dtype}:{value.device}")
        else:
            parts.append(f"{node.name}:{value!r}")
    return ";".join(parts)


_BASE_CONFIG: dict | None = None


def inductor_config_digest(options: dict | None = None) -> str:
    """sha256 of the inductor configuration (the portable part) with ``options`` applied.

    The configuration is read once per process, before the first compile: a compile changes some
    of it in place (so ``aoti.freeze``'s key after ``aoti`` compiled would differ from its key after
    ``aoti`` came from the cache, and never hit)."""
    global _BASE_CONFIG
    import torch._inductor.config as inductor_config

    if _BASE_CONFIG is None:
        _BASE_CONFIG = dict(inductor_config.save_config_portable())
    config = dict(_BASE_CONFIG)
    config.update(options or {})
    return hashlib.sha256(repr(sorted((k, repr(v)) for k, v in config.items())).encode()).hexdigest()


def machine() -> str:
    """What the compiled code is specialised to besides the program: the architecture and the CPU capability
    torch dispatches to (a package built with AVX-512 on one machine of a shared cache dies on an AVX2 one)."""
    import platform

    import torch

    try:
        capability = torch.backends.cpu.get_cpu_capability()
    except (AttributeError, RuntimeError):
        capability = "unknown"
    return f"{platform.system()}-{platform.machine()}-{capability}"


def package_key(program, threads: int, options: dict | None = None) -> str:
    import torch

    parts = [KEY_VERSION, torch.__version__, str(program), inputs_layout(program), constants_digest(program),
             inductor_config_digest(options), f"threads={threads}", machine()]
    return hashlib.sha256("\n\0".join(parts).encode()).hexdigest()[:32]


def compile_package(program, path: Path, threads: int, cache_dir: Path | None,
                    options: dict | None = None) -> tuple[str, bool]:
    """(the package at ``path``, whether it came from the cache). ``cache_dir`` None: always compile."""
    from torch._inductor import aoti_compile_and_package

    path = Path(path)
    if path.exists():
        path.unlink()
    cached = None
    if cache_dir is not None:
        cached = Path(cache_dir) / CACHE_FOLDER / f"{package_key(program, threads, options)}.pt2"
        if cached.is_file():
            shutil.copyfile(cached, path)
            return str(path), True
    package = aoti_compile_and_package(program, package_path=str(path), inductor_configs=dict(options or {}))
    if cached is not None:  # atomically: a parallel run never reads half a package
        cached.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cached.parent, suffix=".tmp")
        os.close(handle)
        try:
            shutil.copyfile(package, temporary)
            os.replace(temporary, cached)
        except OSError:
            Path(temporary).unlink(missing_ok=True)
    return str(package), False
