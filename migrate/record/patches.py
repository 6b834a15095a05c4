"""The wrappers around torch.jit's entry points (installed by ``install`` while recording).

Each wrapper calls torch's own function with the same arguments and returns what it returns; what
it records happens around the call, under a guard so that nothing torch does inside (scripting
submodules, tracing through scripted code) is recorded twice, and any recording error goes to
``OUT/record-errors.log``, never to the program.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import traceback

from migrate.record import hooks

_installed = False


@contextlib.contextmanager
def busy():
    previous = getattr(hooks._state, "busy", False)
    hooks._state.busy = True
    try:
        yield
    finally:
        hooks._state.busy = previous


def idle() -> bool:
    return not getattr(hooks._state, "busy", False)


def safely(recorder: hooks.Recorder, step, *args):
    """Run a recording step; a failure is logged in the captures folder, never raised."""
    try:
        with busy():
            return step(*args)
    except Exception:
        try:
            with open(recorder.out / "record-errors.log", "a") as log:
                log.write(f"[pid {os.getpid()}] {traceback.format_exc()}\n")
        except OSError:
            pass
        return None


def _as_tuple(inputs) -> tuple:
    if isinstance(inputs, tuple):
        return inputs
    if isinstance(inputs, list):
        return tuple(inputs)
    return (inputs,)


def _origin() -> str:
    where = hooks.site()
    return f"{where['file']}:{where['line']}"


def install(torch, recorder: hooks.Recorder) -> None:
    """Wrap torch.jit's entry points and hook the call of TorchScript programs (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    hooks._SKIP_DIRS = (os.path.dirname(torch.__file__) + os.sep, os.path.dirname(__file__) + os.sep,
                        os.path.dirname(contextlib.__file__) + os.sep + "contextlib.py")
    jit = torch.jit
    original = {name: getattr(jit, name) for name in ("script", "trace", "trace_module", "freeze", "save", "load")}
    trace_signature = inspect.signature(original["trace"])
    supported = (torch.nn.Module, type(lambda: None))

    @functools.wraps(original["script"])
    def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
        if not idle() or not isinstance(obj, supported):
            return original["script"](obj, optimize, _frames_up + 1, _rcb, example_inputs)
        capture = safely(recorder, hooks.begin, recorder, "script", obj, None, None)
        with busy():  # _frames_up: TorchScript resolves names in the caller's frame, one more up
            result = original["script"](obj, optimize, _frames_up + 1, _rcb, example_inputs)
        safely(recorder, hooks.finish, capture, result)
        return result

    @functools.wraps(original["trace"])
    def trace(*args, **kwargs):
        if not idle():
            return original["trace"](*args, **kwargs)
        capture = safely(recorder, _begin_trace, recorder, trace_signature, args, kwargs)
        with busy():
            result = original["trace"](*args, **kwargs)
        safely(recorder, _finish_trace, capture, result, trace_signature, args, kwargs)
        return result

    @functools.wraps(original["trace_module"])
    def trace_module(mod, inputs, *args, **kwargs):
        if not idle():
            return original["trace_module"](mod, inputs, *args, **kwargs)
        forward = inputs.get("forward") if isinstance(inputs, dict) else None
        capture = None
        if forward is not None:
            capture = safely(recorder, hooks.begin, recorder, "trace_module", mod, _as_tuple(forward), {})
        with busy():
            result = original["trace_module"](mod, inputs, *args, **kwargs)
        if capture is not None:
            safely(recorder, _finish_with_example, capture, result, _as_tuple(forward), {})
        return result

    @functools.wraps(original["freeze"])
    def freeze(mod, *args, **kwargs):
        with busy():
            result = original["freeze"](mod, *args, **kwargs)
        safely(recorder, _follow, recorder, "freeze", mod, result)
        return result

    @functools.wraps(original["save"])
    def save(m, f, *args, **kwargs):
        with busy():
            result = original["save"](m, f, *args, **kwargs)
        safely(recorder, _saved, recorder, m, f)
        return result

    @functools.wraps(original["load"])
    def load(f, *args, **kwargs):
        with busy():
            result = original["load"](f, *args, **kwargs)
        if isinstance(f, (str, os.PathLike)):
            capture = recorder.saved.get(os.path.abspath(f))
            if capture is not None:
                safely(recorder, _follow_capture, recorder, "load", capture, result)
        return result

    for name, wrapper in (("script", script), ("trace", trace), ("trace_module", trace_module),
                          ("freeze", freeze), ("save", save), ("load", load)):
        setattr(jit, name, wrapper)
    for cls in (torch.jit.ScriptModule, torch._C.ScriptFunction):
        _hook_calls(cls, recorder)


def _hook_calls(cls, recorder: hooks.Recorder) -> None:
    """Record the inputs of the first calls of programs that came from a recorded call."""
    original_call = cls.__call__

    def __call__(self, *args, **kwargs):
        if recorder.programs and idle():
            capture = recorder.capture_of(self)
            if capture is not None and len(capture.calls) < recorder.max_calls:
                safely(recorder, capture.add_call, args, kwargs, _origin())
        return original_call(self, *args, **kwargs)

    cls.__call__ = __call__


def _trace_arguments(signature, args, kwargs):
    bound = signature.bind(*args, **kwargs)
    example = bound.arguments.get("example_inputs")
    example_kwargs = bound.arguments.get("example_kwarg_inputs") or {}
    return bound, (() if example is None else _as_tuple(example)), dict(example_kwargs)


def _begin_trace(recorder, signature, args, kwargs):
    bound, example, example_kwargs = _trace_arguments(signature, args, kwargs)
    return hooks.begin(recorder, "trace", bound.arguments["func"], example, example_kwargs)


def _finish_trace(capture, result, signature, args, kwargs):
    if capture is None:
        return
    bound, example, example_kwargs = _trace_arguments(signature, args, kwargs)
    _finish_with_example(capture, result, example, example_kwargs)
    for check in bound.arguments.get("check_inputs") or ():  # trace's own check inputs are checks too
        capture.add_call(_as_tuple(check), {}, "check_inputs of the trace call")


def _finish_with_example(capture, result, example, example_kwargs):
    hooks.finish(capture, result)
    capture.add_call(example, example_kwargs, f"example inputs of {capture.meta['api']}")


def _follow(recorder, api, source, result):
    capture = recorder.capture_of(source)
    if capture is not None:
        _follow_capture(recorder, api, capture, result)


def _follow_capture(recorder, api, capture, result):
    """``result`` (frozen, loaded) is the same program as ``capture``'s: its calls are inputs too."""
    recorder.register(result, capture)
    if api not in capture.meta["apis"]:
        capture.meta["apis"].append(api)
        capture.write_meta()


def _saved(recorder, module, f):
    capture = recorder.capture_of(module)
    if capture is None or not isinstance(f, (str, os.PathLike)):
        return
    path = os.path.abspath(f)
    recorder.saved[path] = capture
    if path not in capture.meta["saved_to"]:
        capture.meta["saved_to"].append(path)
    _follow_capture(recorder, "save", capture, module)
    capture.write_meta()
