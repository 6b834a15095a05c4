"""Helpers shared by several strategies (not a strategy: files starting with ``_`` are skipped)."""

from __future__ import annotations

import inspect


def python_callable(obj):
    """The Python behind ``obj``: a ``@torch.jit.script`` function gives back its original function.

    A scripted function keeps its source function (``_torchdynamo_inline``); eager, trace and
    export run that, which is what the code looks like once the decorator is removed.
    """
    return getattr(obj, "_torchdynamo_inline", None) or obj


def as_module(obj):
    """An ``nn.Module`` for ``obj`` (export needs one): modules as they are, functions wrapped."""
    import torch

    obj = python_callable(obj)
    if isinstance(obj, torch.nn.Module):
        return obj

    class FunctionModule(torch.nn.Module):
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

        def forward(self, *args, **kwargs):
            return self.fn(*args, **kwargs)

    try:  # export binds inputs (and dynamic_shapes) to forward's signature: give it the function's
        signature = inspect.signature(obj)
        self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
        FunctionModule.forward.__signature__ = signature.replace(
            parameters=[self_parameter, *signature.parameters.values()])
    except (TypeError, ValueError):
        pass
    return FunctionModule(obj)


def torchscript_submodules(module) -> list[str]:
    """Attribute paths of submodules that are already TorchScript (scripted or traced)."""
    import torch

    if not isinstance(module, torch.nn.Module) or isinstance(module, torch.jit.ScriptModule):
        return []
    found = []
    for name, sub in module.named_modules():
        if name and isinstance(sub, torch.jit.ScriptModule) and not any(name.startswith(f + ".") for f in found):
            found.append(name)
    return found


def submodule_hint(module) -> str | None:
    """Point at the TorchScript submodules that make export fail (the fix is in their source)."""
    names = torchscript_submodules(module)
    if not names:
        return None
    listed = ", ".join(f"self.{n}" for n in names)
    return (f"{listed} {'is' if len(names) == 1 else 'are'} already TorchScript: build {'it' if len(names) == 1 else 'them'} "
            "as plain nn.Module (drop torch.jit.trace/script there) so export can trace through, or use ts2ep")


def draft_export_summary(module, args, kwargs) -> dict:
    """The report of ``torch.export.draft_export`` (its program is never used: it is not sound)."""
    import torch

    try:
        ep = torch.export.draft_export(as_module(module), args, kwargs)
    except Exception as exc:  # draft_export itself can fail (e.g. on ScriptModules)
        return {"ran": False, "error": f"{type(exc).__name__}: {first_line(str(exc))}"}
    report = ep._report
    files = getattr(report, "str_to_filename", None) or {}  # index -> file name
    failures = []
    for failure in report.failures:
        data = failure.data if isinstance(failure.data, dict) else {}
        entry = {"type": str(getattr(failure.failure_type, "name", failure.failure_type))}
        if "expr" in data:
            entry["expr"] = str(data["expr"])
        user_stack = data.get("user_stack") or []
        if user_stack:
            frame = user_stack[-1]
            file = str(files.get(frame.get("filename"), frame.get("filename")))
            entry["user_line"] = f"{shown_path(file)}:{frame.get('line')}: {frame.get('loc', '').strip()}"
        failures.append(entry)
    return {"ran": True, "successful": bool(report.successful()), "failures": failures}


def shown_path(path: str) -> str:
    import os

    rel = os.path.relpath(path) if os.path.isabs(path) else path
    return path if rel.startswith("..") else rel


def first_line(text: str) -> str:
    return next((line.strip() for line in str(text).splitlines() if line.strip()), "")


def bind_inputs(function, args: tuple, kwargs: dict, keep_var_keyword: bool = False) -> dict:
    """Every input by parameter name (``**kwargs`` contents merged in unless ``keep_var_keyword``).

    Raises TypeError when the inputs do not fit the signature (or it has ``*args``).
    """
    import torch

    signature = inspect.signature(function.forward if isinstance(function, torch.nn.Module) else function)
    bound = signature.bind(*args, **kwargs).arguments
    named: dict = {}
    for name, value in bound.items():
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            raise TypeError(f"cannot pass *{name} by keyword")
        if kind is inspect.Parameter.VAR_KEYWORD and not keep_var_keyword:
            named.update(value)
        else:
            named[name] = value
    return named


def auto_dynamic_shapes(args):
    """``Dim.AUTO`` on every dimension of every tensor input (export keeps what must be static)."""
    import torch
    from torch.export import Dim
    from torch.utils._pytree import tree_map

    return tree_map(lambda x: {d: Dim.AUTO for d in range(x.dim())} if isinstance(x, torch.Tensor) else None, args)


def widen_batch_one(args):
    """Inputs whose size-1 first dimensions are repeated to 2 (Dim.AUTO keeps a size-1 dim static)."""
    import torch
    from torch.utils._pytree import tree_map

    def widen(x):
        if isinstance(x, torch.Tensor) and x.dim() >= 1 and x.shape[0] == 1:
            return x.expand(2, *x.shape[1:]).clone()
        return x

    return tree_map(widen, args)
