"""The interception, in the recorded process: TorchScript's entry points wrapped while recording.

``install(torch)`` replaces ``torch.jit.script``, ``trace``, ``trace_module``, ``save``, ``freeze``
and ``load`` with wrappers that call torch and return exactly what it returns, and hooks the
call of TorchScript programs at the class level (``ScriptModule.__call__``,
``ScriptFunction.__call__``; TorchScript modules take no Python hooks): the first calls of a
program that came from a recorded call are that capture's inputs. A recording problem is never
the program's problem: it is written to the capture (``"error"``) or to stderr, and the run goes on.

Settings come from the environment that ``migrate record`` sets: ``MIGRATE_RECORD_DIR``,
``MIGRATE_RECORD_MAX_CALLS``, ``MIGRATE_RECORD_MAX_BYTES``, ``MIGRATE_RECORD_MAX_TOTAL_BYTES``.
"""

from __future__ import annotations

import os
import sys
import threading
import types
import weakref
from pathlib import Path

from migrate.record.capture import (FORMAT, META_SUFFIX, VERSION, NotImportable, atomic_write, describe, file_stem,
                                    main_problem, payload_path, python_version, same_values, save_payload, sha256,
                                    write_json)

_state = threading.local()  # .busy: inside an intercepted call or a snapshot (nothing nested is recorded)
_SKIP_DIRS: tuple[str, ...] = ()


class Recorder:
    def __init__(self, out: Path, max_calls: int, max_bytes: int, max_total_bytes: int):
        self.out, self.max_calls, self.max_bytes, self.max_total = out, max_calls, max_bytes, max_total_bytes
        self.captures: dict[str, Capture] = {}       # identity key -> capture
        self.programs: dict[int, tuple] = {}         # id(program) -> (capture, weakref or program)
        self.saved: dict[str, Capture] = {}          # archive path saved by torch.jit.save -> capture
        self.lock = threading.RLock()

    def register(self, program, capture: "Capture") -> None:
        try:
            ref = weakref.ref(program, lambda _, key=id(program): self.programs.pop(key, None))
        except TypeError:  # ScriptFunction takes no weak references; functions live long anyway
            ref = lambda program=program: program  # noqa: E731
        self.programs[id(program)] = (capture, ref)

    def capture_of(self, program) -> "Capture | None":
        entry = self.programs.get(id(program))
        return entry[0] if entry is not None and entry[1]() is program else None

    def total_bytes(self) -> int:
        try:
            return sum(entry.stat().st_size for entry in os.scandir(self.out) if entry.is_file())
        except OSError:
            return 0


class Capture:
    """One capture being written: metadata in memory, payloads on disk."""

    def __init__(self, recorder: Recorder, key: str, meta: dict):
        self.recorder, self.key, self.meta = recorder, key, meta
        self.calls: list[dict] = []
        self.meta_path = recorder.out / f"{file_stem(meta['name'], key)}{META_SUFFIX}"

    def write_meta(self) -> None:
        write_json(self.meta_path, self.meta)

    def omit(self, reason: str) -> None:
        self.meta["omitted"] = reason
        for kind in ("module", "inputs", "archive"):
            payload_path(self.meta_path, kind).unlink(missing_ok=True)
            self.meta["payload"].pop(kind, None)

    def save(self, kind: str, obj, main_file: str | None) -> bool:
        """Write one payload within the size limits; False (and the reason) when it was left out."""
        path = payload_path(self.meta_path, kind)
        if isinstance(obj, bytes):  # a TorchScript archive, written as it is (torch.jit.load reads it)
            size, uses_main = atomic_write(path, lambda f: f.write(obj)), False
        else:
            size, uses_main = save_payload(path, obj, main_file)
        others = sum(p.get("bytes", 0) for k, p in self.meta["payload"].items() if k != kind)
        if size + others > self.recorder.max_bytes or self.recorder.total_bytes() > self.recorder.max_total:
            limit = ("--max-bytes" if size + others > self.recorder.max_bytes else "--max-total-bytes")
            self.omit(f"payload of {size + others} bytes over {limit}; metadata only")
            return False
        self.meta["payload"][kind] = {"file": path.name, "bytes": size, "sha256": sha256(path)}
        if uses_main:
            self.meta["source"] = "__main__ script"
        return True

    def add_call(self, args: tuple, kwargs: dict, origin: str) -> None:
        """Record one call's inputs (the first is the example; then other shapes or values, up to --max-calls)."""
        if self.meta.get("omitted") or len(self.calls) >= self.recorder.max_calls:
            return
        if any(same_values((args, kwargs), (c["args"], c["kwargs"])) for c in self.calls):
            return
        import copy

        call = {"args": copy.deepcopy(tuple(args)), "kwargs": copy.deepcopy(dict(kwargs))}
        self.calls.append(call)
        info = describe(args, kwargs)
        info.update(origin=origin, test=current_test())
        self.meta["calls"].append(info)
        self.save("inputs", {"calls": self.calls}, main_file())
        self.write_meta()


def current_test() -> str | None:
    test = os.environ.get("PYTEST_CURRENT_TEST")
    return test.rsplit(" (", 1)[0] if test else None


def main_file() -> str | None:
    main = sys.modules.get("__main__")
    file = getattr(main, "__file__", None)
    return os.path.abspath(file) if file else None


def user_frame():
    """The innermost frame outside torch and migrate.record: where the user called TorchScript."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_SKIP_DIRS):
        frame = frame.f_back
    return frame


def site() -> dict:
    frame = user_frame()
    if frame is None:
        return {"file": "?", "line": 0, "function": "?"}
    return {"file": os.path.abspath(frame.f_code.co_filename), "line": frame.f_lineno,
            "function": frame.f_code.co_name}


def _class_name(obj) -> str:
    """``module.Class`` of a module, ``module.function`` of a function."""
    cls = obj if isinstance(obj, types.FunctionType) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _state_signature(module) -> str:
    try:
        return ";".join(f"{n}:{tuple(t.shape)}" for n, t in module.state_dict().items())
    except Exception:
        return ""


def _inner_captures(recorder: Recorder, module) -> list[str]:
    import torch

    if not isinstance(module, torch.nn.Module):
        return []
    names = []
    for _, child in module.named_modules():
        inner = recorder.capture_of(child) if child is not module else None
        if inner is not None and inner.meta["name"] not in names:
            names.append(inner.meta["name"])
    return names


def begin(recorder: Recorder, api: str, obj, example: tuple | None, kwargs: dict | None) -> Capture | None:
    """The capture for a call of ``api`` on ``obj`` at the user's site (an existing one when seen before)."""
    import torch

    is_function = isinstance(obj, types.FunctionType)
    if isinstance(obj, torch.jit.ScriptModule) or not (is_function or isinstance(obj, torch.nn.Module)):
        return None  # already TorchScript, a class, a bound method, a dict...
    where = site()
    shapes = describe(example, kwargs or {})["inputs"] if example is not None else []
    class_name = _class_name(obj)
    key = "|".join([api, where["file"], str(where["line"]), class_name,
                    "" if is_function else _state_signature(obj), repr(shapes)])
    with recorder.lock:
        if key in recorder.captures:
            return recorder.captures[key]
        short = class_name.rsplit(".", 1)[-1]
        name = f"{short}@{Path(where['file']).name}:{where['line']}"
        main = main_file()
        meta = {"format": FORMAT, "version": VERSION, "name": name, "api": api, "apis": [api],
                "kind": "function" if is_function else "module", "class": class_name, "site": where,
                "test": current_test(), "torch_version": torch.__version__, "python_version": python_version(),
                "argv": list(sys.argv), "cwd": os.getcwd(), "main_file": main,
                "main_module": getattr(getattr(sys.modules.get("__main__"), "__spec__", None), "name", None),
                "sys_path": [p for p in sys.path if p and os.path.isdir(p)], "source": "importable",
                "payload": {}, "calls": [], "contains": _inner_captures(recorder, obj), "saved_to": [],
                "omitted": None, "error": None}
        capture = recorder.captures[key] = Capture(recorder, key, meta)
        if _recorded_elsewhere(capture.meta_path):  # another process (an earlier run) has this one, with inputs
            capture.meta["omitted"] = "recorded by another process"
            return capture
        try:
            if is_function:
                if "<locals>" in obj.__qualname__ or "<lambda>" in obj.__qualname__:
                    raise NotImportable(f"{obj.__qualname__} is a local function")
                if obj.__module__ == "__main__":
                    problem = main_problem(main) if main else "which has no file (python -c, stdin)"
                    if problem:
                        raise NotImportable(f"{obj.__qualname__} is defined in __main__, {problem}")
                    meta["source"] = "__main__ script"
                capture.meta["payload"]["module"] = {"function": [obj.__module__, obj.__qualname__]}
            else:
                capture.save("module", {"module": obj}, main)
        except NotImportable as exc:
            meta["source"] = "not importable"
            meta["source_reason"] = str(exc)
            payload_path(capture.meta_path, "module").unlink(missing_ok=True)
        except Exception as exc:  # the snapshot must never break the user's run
            meta["error"] = f"snapshot failed: {type(exc).__name__}: {exc}"
        capture.write_meta()
        return capture


def _recorded_elsewhere(meta_path: Path) -> bool:
    """A capture with inputs is already there; one without (scripted at import, never called) is taken over."""
    import json

    try:
        return bool(json.loads(meta_path.read_text()).get("calls"))
    except (OSError, ValueError):
        return False


def finish(capture: Capture | None, result) -> None:
    """After torch returned: remember the program; keep its archive when the source is not importable."""
    if capture is None or capture.meta.get("omitted") == "recorded by another process":
        return
    recorder = capture.recorder
    recorder.register(result, capture)
    if capture.meta["source"] == "not importable" and "archive" not in capture.meta["payload"]:
        import io

        import torch

        try:
            buffer = io.BytesIO()
            torch.jit.save(result, buffer)
            capture.save("archive", buffer.getvalue(), None)
        except Exception as exc:
            capture.meta["error"] = f"archive not kept: {type(exc).__name__}: {exc}"
        capture.write_meta()
