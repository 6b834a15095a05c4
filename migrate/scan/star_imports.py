"""Star imports followed within the scanned tree, statically (the modules are read, never imported).

`from .evo_norm import *` binds every public name of `evo_norm`, and when that module did
`import torch`, `torch.jit.script(...)` in the importing file is TorchScript (timm's
`layers/create_norm_act.py` is written this way). :func:`star_bindings` finds a file's star imports
of modules that are files in the scanned tree (relative imports from the file's folder, absolute ones
from any folder between the file and the scan root), and returns what each binds to torch: names
bound by `import torch...` and `from torch... import ...` at the module's top level (inside `if` and
`try` too), following the module's own star imports, limited to `__all__` where it is a literal and to
public names otherwise. The analyser binds those names as if the file had imported them itself.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re

from migrate.scan.catalogue import names_in_module

_STAR = re.compile(rb"^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]*\*", re.MULTILINE)
MAX_DEPTH = 8  # star imports of star imports


def star_modules(data: bytes) -> list[str]:
    """The modules a file star-imports, as written (`.evo_norm`, `timm.layers`), torch's excepted."""
    found = []
    for match in _STAR.finditer(data):
        spec = match.group(1).decode("ascii", "replace")
        if not _is_torch(spec) and spec not in found:
            found.append(spec)
    return found


def star_bindings(data: bytes, path: str, root: str) -> dict[str, dict[str, str]]:
    """{module as written: {name: qualified torch name}} for the file at `path` (its bytes `data`)."""
    result = {}
    for spec in star_modules(data):
        target = _module_file(spec, os.path.dirname(os.path.abspath(path)), root)
        if target is not None:
            names = _exported_torch_names(target, root, {os.path.abspath(path)}, 0)
            if names:
                result[spec] = names
    return result


def digest(bindings: dict[str, dict[str, str]]) -> str | None:
    """A short stable hash of the bindings (None when there are none), for the scan cache."""
    if not bindings:
        return None
    return hashlib.sha256(json.dumps(bindings, sort_keys=True).encode()).hexdigest()[:16]


def _is_torch(module: str) -> bool:
    return module == "torch" or module.startswith("torch.")


def _module_file(spec: str, directory: str, root: str) -> str | None:
    level = len(spec) - len(spec.lstrip("."))
    parts = [p for p in spec[level:].split(".") if p]
    if level:
        base = directory
        for _ in range(level - 1):
            base = os.path.dirname(base)
        bases = [base]
    else:
        bases = _folders_up_to(directory, root)
    for base in bases:
        stem = os.path.join(base, *parts)
        for candidate in (stem + ".py", os.path.join(stem, "__init__.py")):
            if parts or candidate.endswith("__init__.py"):
                if os.path.isfile(candidate) and _inside(candidate, root):
                    return candidate
    return None


def _folders_up_to(directory: str, root: str) -> list[str]:
    folders, current, root = [], os.path.abspath(directory), os.path.abspath(root)
    while _inside(current, root):
        folders.append(current)
        if current == root or os.path.dirname(current) == current:
            break
        current = os.path.dirname(current)
    return folders


def _inside(path: str, root: str) -> bool:
    path, root = os.path.abspath(path), os.path.abspath(root)
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _exported_torch_names(path: str, root: str, active: set, depth: int) -> dict[str, str]:
    real = os.path.realpath(path)
    if real in active or depth > MAX_DEPTH:
        return {}
    try:
        with open(path, "rb") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return {}  # the module itself is reported (or not) when it is scanned
    names: dict[str, str] = {}
    public: list[str] | None = None
    for node in _top_level(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_torch(alias.name):
                    if alias.asname:
                        names[alias.asname] = alias.name
                    else:
                        names["torch"] = "torch"
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and _is_torch(node.module):
            for alias in node.names:
                if alias.name == "*":
                    names.update(names_in_module(node.module))
                else:
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.ImportFrom) and any(alias.name == "*" for alias in node.names):
            spec = "." * node.level + (node.module or "")
            target = _module_file(spec, os.path.dirname(os.path.abspath(path)), root)
            if target is not None:
                names.update(_exported_torch_names(target, root, active | {real}, depth + 1))
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            public = _literal_names(node.value)
    if public is not None:
        return {name: value for name, value in names.items() if name in public}
    return {name: value for name, value in names.items() if not name.startswith("_")}


def _top_level(body: list[ast.stmt]):
    for node in body:
        yield node
        if isinstance(node, ast.If):
            yield from _top_level(node.body)
            yield from _top_level(node.orelse)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            yield from _top_level(node.body)
            for handler in node.handlers:
                yield from _top_level(handler.body)
            yield from _top_level(node.orelse)
            yield from _top_level(node.finalbody)


def _literal_names(value: ast.expr) -> list[str] | None:
    if isinstance(value, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
    ):
        return [e.value for e in value.elts]
    return None
