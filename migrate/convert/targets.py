"""Conversion targets: what a targets file declares and how `migrate convert` finds them.

A targets file is plain Python. Every function decorated with ``@migrate.target`` (or
``@migrate.target(name="...")``) builds and returns a :class:`Target`::

    import migrate, torch

    @migrate.target
    def my_cell():
        return migrate.Target(MyCell(), (torch.rand(3, 4), torch.rand(3, 4)),
                              check_inputs=[(-torch.rand(3, 4), torch.rand(3, 4))])

Nothing here imports torch: the decorator only marks the function, and the function is called
in the worker process that converts it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

TARGET_ATTRIBUTE = "__migrate_target__"  # set on decorated functions; value = the target's name


@dataclass(frozen=True)
class Target:
    """A module (or plain/scripted function) and the inputs to convert and check it with.

    module:         an ``nn.Module``, a ScriptModule, or a callable (e.g. a scripted function)
    example_inputs: tuple of positional inputs used to convert (trace, export) the module
    check_inputs:   more input tuples, used only to check that a conversion generalises
                    (give one per branch of every data-dependent ``if``)
    dynamic_shapes: passed to ``torch.export.export`` by the ``export.dynamic`` strategy;
                    ``None`` marks the batch/sequence dimensions ``Dim.AUTO``
    kwargs:         keyword inputs passed with every call
    """

    module: Any
    example_inputs: tuple
    check_inputs: tuple = ()
    dynamic_shapes: Any = None
    kwargs: dict | None = None

    def __post_init__(self):
        if not isinstance(self.example_inputs, tuple):
            raise TypeError(f"example_inputs must be a tuple of positional inputs, got {type(self.example_inputs).__name__}")
        object.__setattr__(self, "check_inputs", tuple(tuple(c) for c in self.check_inputs))
        if self.module is None or not callable(self.module):
            raise TypeError("module must be an nn.Module or a callable")


def target(function: Callable | None = None, *, name: str | None = None):
    """Mark a function returning a :class:`Target`. Use bare or with ``name=``."""

    def mark(fn: Callable) -> Callable:
        setattr(fn, TARGET_ATTRIBUTE, name or fn.__name__)
        return fn

    return mark(function) if function is not None else mark


@dataclass(frozen=True)
class TargetRef:
    """Where a target comes from: enough to rebuild it in another process.

    kind is "function" (a decorated function in a targets file), "archive" (a TorchScript .pt
    file, with ``example_inputs_file`` holding its inputs saved with torch.save) or "capture" (a
    call recorded by ``migrate record``: ``capture`` is its metadata file; ``file:line`` is the
    call site). A capture whose source cannot be imported is an "archive" with ``archive`` set.
    """

    name: str
    file: str
    line: int
    kind: str = "function"
    function: str = ""
    example_inputs_file: str = ""
    capture: str = ""
    archive: str = ""

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class CollectError:
    """A targets file that could not be read, with the reason (the run goes on without it)."""

    file: str
    message: str


ARCHIVE_SUFFIXES = (".pt", ".pth", ".ts")


def expand_paths(paths: list[str]) -> list[Path]:
    """Files named on the command line; folders give their ``*.py`` files (not ``_*.py``), sorted."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.py") if not p.name.startswith("_")))
        else:
            found.append(path)
    return found


def import_targets_file(path: Path):
    """Import a targets file under a unique module name (two files may share a base name)."""
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:10]
    module_name = f"_migrate_targets_{resolved.stem}_{digest}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, resolved)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    sys.path.insert(0, str(resolved.parent))  # let a targets file import its neighbours
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    finally:
        sys.path.remove(str(resolved.parent))
    return module


def targets_in_module(module, file: str) -> list[TargetRef]:
    """The decorated functions defined in ``module`` (not imported into it), in source order."""
    refs = []
    for attr, value in vars(module).items():
        name = getattr(value, TARGET_ATTRIBUTE, None)
        if name is None or getattr(value, "__module__", None) != module.__name__:
            continue
        try:
            line = inspect.getsourcelines(value)[1]
        except (OSError, TypeError):
            line = 0
        refs.append(TargetRef(name=name, file=file, line=line, function=attr))
    return sorted(refs, key=lambda r: r.line)


def collect(paths: list[str], example_inputs: str | None = None) -> tuple[list[TargetRef], list[CollectError]]:
    """Find every target in ``paths``; unreadable files become errors, never exceptions."""
    from migrate.record.targets import capture_refs, is_captures

    refs: list[TargetRef] = []
    errors: list[CollectError] = []
    plain = [p for p in paths if not is_captures(p)]
    for captures in [p for p in paths if is_captures(p)]:  # folders of `migrate record` captures
        found, problems = capture_refs(captures, lambda p: shown_path(p.resolve()))
        refs.extend(found)
        errors.extend(problems)
    for given in plain:
        folder = Path(given)
        if folder.is_dir() and not any(expand_paths([given])):
            errors.append(CollectError(shown_path(folder), "no targets files (*.py with @migrate.target functions) "
                                                           "in this folder"))
    for path in expand_paths(plain):
        shown = shown_path(path)
        if not path.exists():
            errors.append(CollectError(shown, "no such file or folder"))
        elif path.suffix in ARCHIVE_SUFFIXES:
            if not example_inputs:
                errors.append(CollectError(shown, "a TorchScript archive needs --example-inputs inputs.pt"))
            else:
                refs.append(TargetRef(name=path.stem, file=shown, line=0, kind="archive",
                                      example_inputs_file=str(Path(example_inputs).resolve())))
        elif path.suffix != ".py":
            errors.append(CollectError(shown, f"not a targets file (.py) or TorchScript archive ({', '.join(ARCHIVE_SUFFIXES)})"))
        else:
            try:
                module = import_targets_file(path)
            except BaseException as exc:  # a broken targets file must not stop the run
                if isinstance(exc, KeyboardInterrupt) or _is_stop(exc):
                    raise
                errors.append(CollectError(shown, f"import failed: {type(exc).__name__}: {first_line(str(exc))}"))
                continue
            found = targets_in_module(module, shown)
            if not found:
                errors.append(CollectError(shown, "no @migrate.target functions"))
            refs.extend(found)
    duplicates = {r.name for r in refs if sum(o.name == r.name for o in refs) > 1}
    refs = [_rename(r) if r.name in duplicates else r for r in refs]
    return refs, errors


def _is_stop(exc: BaseException) -> bool:
    """SIGTERM arriving while a targets file imports (the CLI raises it as migrate.cli.Terminated): the run
    stops, it is not that file's import error."""
    from migrate.cli import Terminated

    return isinstance(exc, Terminated)


def shown_path(path: Path) -> str:
    """Relative to the working folder when inside it, else as given."""
    if not path.is_absolute():
        return str(path)
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def _rename(ref: TargetRef) -> TargetRef:
    return TargetRef(**{**ref.__dict__, "name": f"{Path(ref.file).stem}.{ref.name}"})


def first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return ""


def read_example_inputs(path: str) -> tuple:
    """The positional inputs saved with torch.save (a tuple, a list or one tensor), loaded with
    weights_only=True. Raises ValueError with one line saying why they cannot be used."""
    import torch

    try:
        inputs = torch.load(path, weights_only=True)
    except FileNotFoundError:
        raise ValueError("no such file") from None
    except Exception as exc:  # UnpicklingError, RuntimeError, EOFError, ... with torch's long text
        if "Unsupported global" in str(exc) or "Unsupported class" in str(exc):
            raise ValueError("holds objects other than tensors and plain values (loaded with weights_only=True): "
                             "save a tuple of tensors, e.g. torch.save((x, h), path)") from None
        if "Weights only load failed" in str(exc):
            raise ValueError("not a file written by torch.save (it cannot be unpickled)") from None
        raise ValueError(f"not a file written by torch.save ({type(exc).__name__}: {first_line(str(exc))[:200]})") from None
    if isinstance(inputs, torch.Tensor):
        return (inputs,)
    if isinstance(inputs, (tuple, list)):
        return tuple(inputs)
    raise ValueError(f"holds a {type(inputs).__name__}; save the positional inputs as a tuple, e.g. torch.save((x, h), path)")


def load_target(ref: TargetRef) -> Target:
    """Build the Target a ref points at (runs user code: call it in the worker process)."""
    if ref.capture:
        from migrate.record.targets import load_capture

        return load_capture(ref)
    if ref.kind == "archive":
        import torch

        module = torch.jit.load(ref.file, map_location="cpu")
        return Target(module.eval(), read_example_inputs(ref.example_inputs_file))
    module = import_targets_file(Path(ref.file))
    built = getattr(module, ref.function)()
    if not isinstance(built, Target):
        raise TypeError(f"{ref.function}() returned {type(built).__name__}, expected migrate.Target")
    return built


__all__ = ["Target", "TargetRef", "CollectError", "target", "collect", "load_target", "first_line", "read_example_inputs"]
