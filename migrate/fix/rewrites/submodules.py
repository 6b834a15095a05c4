"""Scripted or traced submodules: `self.sub = torch.jit.trace(M(...), x)` in `__init__` becomes `self.sub = M(...)`.

torch.export cannot trace through a ScriptModule, so a module that holds a scripted or traced
submodule never exports (FullModel of the deep-dive tutorial: a traced encoder and a scripted
decoder inside an eager module). The plain module computes what the scripted one did (and what the
traced one did on the branches the trace recorded), and the outer module then exports as a whole.

Two places are read here, each decided from the uses (the plan of values.py: "module" when every
use is known and needs no ScriptModule):
- `attribute_uses`: the value is assigned to `self.<attr>` in `__init__` of a class; its uses are
  every `self.<attr>` in the methods of that class (called, `.forward(...)`, a module attribute
  read, saved) and, anywhere in the file, a ScriptModule-only attribute read through `.<attr>`
  (`wrap.loop.code`): such a read refuses the rewrite;
- `enclosing_export`: `torch.jit.script(m)` passed into the module argument of a trace or script
  call that is itself rewritten (`trace(GatedCell(script(Gate())), x)`): the inner one becomes `m`.
"""

from __future__ import annotations

import libcst as cst

from migrate.fix.rewrites.uses import SCRIPT_ONLY, Uses
from migrate.scan.matches import Match

WHY_SUBMODULE = ("the submodule becomes the plain module (torch.export cannot trace through a ScriptModule, so "
                 "the module holding it could not export); it computes what the scripted module did, and on "
                 "every branch, where trace froze the branches and Python values of its example")
WHY_NESTED = ("a scripted module passed into a module that is exported (or kept as the plain module) becomes the "
              "plain module: torch.export cannot trace through a ScriptModule, and the module computes what the "
              "scripted one did")


def _self_attribute(node: cst.BaseExpression, self_name: str) -> str | None:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == self_name:
        return node.attr.value
    return None


def _self_name(function: cst.FunctionDef) -> str | None:
    params = function.params.posonly_params or function.params.params
    return params[0].name.value if params else None


def _init_and_class(ctx, statement: cst.Assign):
    """The `__init__` holding `statement` directly in its body and the class around it, else (None, None)."""
    meta = ctx.metadata()
    node = meta.parents.get(statement)  # the SimpleStatementLine
    block = meta.parents.get(node) if node is not None else None
    function = meta.parents.get(block) if block is not None else None
    if not (isinstance(function, cst.FunctionDef) and function.name.value == "__init__"):
        return None, None
    class_block = meta.parents.get(function)
    klass = meta.parents.get(class_block) if class_block is not None else None
    return (function, klass) if isinstance(klass, cst.ClassDef) else (None, None)


def attribute_uses(ctx, match: Match, statement: cst.Assign) -> Uses | None:
    """The uses of `self.<attr> = <match>` in `__init__`; None when the value is not bound that way."""
    target = statement.targets[0].target if len(statement.targets) == 1 else None
    init, klass = _init_and_class(ctx, statement)
    if init is None or not isinstance(target, cst.Attribute):
        return None
    self_name = _self_name(init)
    attr = _self_attribute(target, self_name) if self_name else None
    if attr is None:
        return None
    meta = ctx.metadata()
    calls, saves, script_only, other = [], [], [], False
    for method in klass.body.body:
        if not isinstance(method, cst.FunctionDef) or _self_name(method) is None:
            continue
        for node in _attributes(method, _self_name(method), attr):
            if node is target:
                continue
            parent = meta.parents.get(node)
            grand = meta.parents.get(parent) if parent is not None else None
            if isinstance(parent, cst.AssignTarget) or isinstance(parent, (cst.AugAssign, cst.Del)):
                other = True  # bound again: the uses are not all known
            elif isinstance(parent, cst.Call) and parent.func is node:
                calls.append(parent)
            elif isinstance(parent, cst.Attribute) and parent.value is node:
                name = parent.attr.value
                if name in SCRIPT_ONLY:
                    script_only.append(f".{name}")
                elif name == "save":
                    other = True  # a save needs example inputs where it stands: left to the general rewrite
                elif name == "forward" and isinstance(grand, cst.Call) and grand.func is parent:
                    calls.append(grand)
            else:
                other = True  # passed on, returned, stored
    script_only += _script_only_reads_elsewhere(ctx.tree.module, attr)
    return Uses(target.attr, tuple(calls), tuple(saves), tuple(script_only), other)


def _attributes(function: cst.FunctionDef, self_name: str, attr: str) -> list[cst.Attribute]:
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            if _self_attribute(node, self_name) == attr:
                found.append(node)
            return True

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is function  # a nested def may rebind `self`

    function.visit(Visitor())
    return found


def _script_only_reads_elsewhere(module: cst.Module, attr: str) -> list[str]:
    """`x.<attr>.code`, `x.<attr>.save(...)`, ... anywhere in the file (another object may hold the submodule)."""
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Attribute(self, node: cst.Attribute) -> bool:
            inner = node.value
            if isinstance(inner, cst.Attribute) and inner.attr.value == attr and \
                    (node.attr.value in SCRIPT_ONLY or node.attr.value == "save"):
                found.append(f".{attr}.{node.attr.value}")
            return True

    module.visit(Visitor())
    return found


def enclosing_export(ctx, match: Match) -> Match | None:
    """The trace/script match whose module argument holds this `torch.jit.script(...)` call, if any."""
    from migrate.fix.rewrites.base import argument

    ancestors = set(map(id, ctx.tree.ancestors(match.call)))
    for outer in ctx.matches:
        if outer is match or outer.call is None or outer.rule.id not in ("TS101", "TS102"):
            continue
        module_arg = argument(outer.call, 0, "mod" if outer.rule.id == "TS102" else "obj")
        if module_arg is not None and id(module_arg) in ancestors:
            return outer
    return None
