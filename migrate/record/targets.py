"""Captures as conversion targets: what ``migrate convert CAPTURES/`` reads.

``capture_refs(path)`` turns a captures folder (or one ``NAME.capture.json``) into TargetRefs
without unpickling anything: each capture's metadata is checked (format, torch version, payload
sizes and SHA-256, inputs recorded) and a capture that cannot be converted is a CollectError with
the reason; the others still convert. ``load_capture(ref)`` builds the Target in the worker: the
eager snapshot with the first recorded call as example inputs and the other calls as check inputs,
or, when the source could not be re-imported, the TorchScript archive the call produced.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from pathlib import Path

from migrate.record.capture import META_SUFFIX, load_payload, payload_path, read_meta, same_values, sha256


def is_captures(path: str | Path) -> bool:
    """A capture's metadata file, or a folder holding some."""
    path = Path(path)
    if path.name.endswith(META_SUFFIX):
        return True
    return path.is_dir() and next(path.glob(f"*{META_SUFFIX}"), None) is not None


def _torch_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("torch")
    except PackageNotFoundError:
        return "unknown"


def problem(meta: dict, meta_path: Path, torch_version: str) -> str | None:
    """Why this capture cannot be converted here (None: it can)."""
    recorded = str(meta.get("torch_version", "?"))
    if recorded.split("+")[0] != torch_version.split("+")[0]:
        return f"recorded with torch {recorded}, this is torch {torch_version}: record it again with this torch"
    if meta.get("omitted"):
        return f"payload left out while recording: {meta['omitted']}"
    if meta.get("error") and "module" not in meta.get("payload", {}) and "archive" not in meta.get("payload", {}):
        return f"nothing to convert: {meta['error']}"
    if not meta.get("calls"):
        return ("no inputs recorded: the program was never called while recording "
                "(call it once in the recorded run, or write a @migrate.target)")
    if meta.get("source") == "not importable" and "archive" not in meta.get("payload", {}):
        return f"source not importable ({meta.get('source_reason')}) and no TorchScript archive kept"
    for kind, entry in meta.get("payload", {}).items():
        if "file" not in entry:
            continue
        path = meta_path.parent / entry["file"]
        if not path.is_file():
            return f"corrupt: {entry['file']} is missing"
        if path.stat().st_size != entry.get("bytes") or sha256(path) != entry.get("sha256"):
            return f"corrupt: {entry['file']} differs from what was recorded (size or SHA-256)"
    return None


def capture_refs(path: str | Path, shown) -> tuple[list, list]:
    """TargetRefs and CollectErrors for the captures at ``path`` (``shown``: how paths are displayed)."""
    from migrate.convert.targets import CollectError, TargetRef

    path = Path(path)
    files = [path] if path.name.endswith(META_SUFFIX) else sorted(path.glob(f"*{META_SUFFIX}"))
    torch_version = _torch_version()
    refs, errors = [], []
    for meta_path in files:
        try:
            meta = read_meta(meta_path)
        except ValueError as exc:
            errors.append(CollectError(shown(meta_path), f"capture: {exc}"))
            continue
        reason = problem(meta, meta_path, torch_version)
        if reason:
            errors.append(CollectError(shown(meta_path), f"capture {meta.get('name')}: {reason}"))
            continue
        archive = meta.get("source") == "not importable"
        where = meta.get("site", {})
        refs.append(TargetRef(name=meta["name"], file=shown(Path(where.get("file", str(meta_path)))),
                              line=int(where.get("line", 0)), kind="archive" if archive else "capture",
                              capture=str(meta_path.resolve()),
                              archive=str(payload_path(meta_path, "archive").resolve()) if archive else ""))
    names = [r.name for r in refs]
    return [_unique(r) if names.count(r.name) > 1 else r for r in refs], errors


def _unique(ref):
    """Two captures with one display name (same site, other shapes or state): the file's hash tells them apart."""
    from dataclasses import replace

    stem = Path(ref.capture).name[: -len(META_SUFFIX)]
    return replace(ref, name=f"{ref.name}#{stem.rsplit('-', 1)[-1]}")


def _add_recorded_paths(meta: dict) -> None:
    for entry in [meta.get("cwd")] + list(meta.get("sys_path", [])):
        if entry and os.path.isdir(entry) and entry not in sys.path:
            sys.path.append(entry)


def _main_module(meta: dict):
    """The recorded script, imported under another name (its ``__main__`` guard keeps it from running)."""
    if meta.get("main_module"):  # python -m package.module
        return importlib.import_module(meta["main_module"])
    file = meta["main_file"]
    name = f"_migrate_recorded_main_{hashlib.sha1(file.encode()).hexdigest()[:10]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, os.path.dirname(file))
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_capture(ref):
    """Build the Target of a capture (runs user code: unpickling; call it in the worker)."""
    from migrate.convert.targets import Target

    meta_path = Path(ref.capture)
    meta = read_meta(meta_path)
    _add_recorded_paths(meta)
    main = _main_module(meta) if meta.get("source") == "__main__ script" else None
    try:
        calls = load_payload(payload_path(meta_path, "inputs"), main)["calls"]
        if ref.kind == "archive":
            import torch

            module = torch.jit.load(ref.archive, map_location="cpu")
        elif meta["kind"] == "function":
            module_name, qualname = meta["payload"]["module"]["function"]
            module = main if module_name == "__main__" else importlib.import_module(module_name)
            for part in qualname.split("."):
                module = getattr(module, part)
        else:
            module = load_payload(payload_path(meta_path, "module"), main)["module"]
    except Exception as exc:
        raise RuntimeError(f"capture {meta['name']} cannot be loaded: {type(exc).__name__}: {exc}") from exc
    example = calls[0]
    # keyword inputs are the example's for every call: a call with other keywords is not a check of it
    checks = [c["args"] for c in calls[1:] if same_values(c["kwargs"], example["kwargs"])]
    return Target(module, tuple(example["args"]), check_inputs=checks, kwargs=dict(example["kwargs"]) or None)
