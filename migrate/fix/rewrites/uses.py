"""How a scripted or traced value is used decides its rewrite (libcst's ScopeProvider, not a resolver of our own).

`s = torch.jit.script(m)` (or `trace(m, x)`) bound to a name read in one scope:
- every use calls it (`s(x)`), reads module attributes that the eager module has too (`s.eval()`), or
  saves it (`s.save(f)`, `torch.jit.save(s, f)`) -> `s = m`, the module itself, and each save exports it
  with the example inputs known there (trace's own, `example_inputs=`, or the first call of `s` before
  the save); a save with no such inputs leaves the whole value for a human;
- a ScriptModule-only attribute (`.code`, `.graph`, `.inlined_graph`, `._c`, `.forward.graph`,
  `.original_name`) -> refused with the reason: no rewrite leaves it dangling;
- anything else (returned, passed on, stored, bound twice) -> unknown uses (the caller decides).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import BuiltinAssignment, MetadataWrapper, ParentNodeProvider, PositionProvider, ScopeProvider

from migrate.scan.matches import Match

SCRIPT_ONLY = frozenset({"code", "graph", "inlined_graph", "_c", "original_name", "code_with_constants",
                         "save_to_buffer", "_save_for_lite_interpreter", "graph_for", "_method_names",
                         "define", "_get_method"})
# Callees that need a ScriptModule (or a module they can torch.jit.trace themselves) as their first argument.
SCRIPT_CONSUMERS = frozenset({"add_graph", "optimize_for_mobile", "_jit_pass_lower_graph", "export_opnames",
                              "convert", "convert_model"})  # TensorBoard, mobile, coremltools, OpenVINO
NEEDS_INPUTS = ("torch.export needs example inputs (a tuple of forward's arguments) and none stand in scope: "
                "write them into the call, or capture real ones with `migrate record` (it runs your code once "
                "and stores the inputs each module is called with), then export with them")


@dataclass(frozen=True)
class Uses:
    """What the scope does with one scripted/traced value."""

    name: cst.Name | None  # the name it is bound to (None: not bound to one name)
    calls: tuple[cst.Call, ...] = ()  # s(...) in source order
    saves: tuple[tuple[str, cst.Call], ...] = ()  # ("method" | "function", call): s.save(f) / torch.jit.save(s, f)
    script_only: tuple[str, ...] = ()  # ".graph" ... as written
    other: bool = False  # returned, passed on, stored, rebound: the uses are not all known
    consumers: tuple[str, ...] = ()  # `writer.add_graph` ...: callees given it that need a ScriptModule

    @property
    def known(self) -> bool:
        return self.name is not None and not self.other


class Metadata:
    """Scopes and parents of the whole module, resolved once per file when a rewrite first asks."""

    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)  # keep node identity: edits match by it
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.positions = wrapper.resolve(PositionProvider)

    def position(self, node: cst.CSTNode) -> tuple[int, int]:
        start = self.positions[node].start
        return start.line, start.column


def _position(ctx, node: cst.CSTNode) -> tuple[int, int]:
    return ctx.metadata().position(node)


def uses_of(ctx, match: Match) -> Uses:
    """The uses of the value the matched call makes, when it is assigned to a plain name."""
    meta = ctx.metadata()
    call = match.call
    statement = meta.parents.get(call)
    if isinstance(statement, cst.Assign) and statement.value is call and len(statement.targets) == 1 and \
            isinstance(statement.targets[0].target, cst.Attribute):
        from migrate.fix.rewrites.submodules import attribute_uses  # `self.sub = ...` in __init__

        return attribute_uses(ctx, match, statement) or Uses(None)
    if not (isinstance(statement, cst.Assign) and len(statement.targets) == 1 and statement.value is call and
            isinstance(statement.targets[0].target, cst.Name)):
        return Uses(None)
    name = statement.targets[0].target
    scope = meta.scopes.get(name)
    if scope is None:
        return Uses(None)
    assignments = list(scope.assignments[name.value])
    if len(assignments) != 1 or assignments[0].node is not name:
        return Uses(name, other=True)
    if isinstance(scope, cst.metadata.GlobalScope) and "__all__" in scope:
        return Uses(name, other=True)
    if not assignments[0].references and isinstance(scope, cst.metadata.GlobalScope):
        return Uses(name, other=True)  # a module-level name read nowhere here: other modules may import it
    saves_by_call = {m.call: m for m in ctx.matches if m.rule.id == "TS201" and m.call is not None}
    calls, saves, script_only, other, consumers = [], [], [], False, []
    for access in sorted(assignments[0].references, key=lambda a: _position(ctx, a.node)):
        node = access.node
        parent = meta.parents.get(node)
        grand = meta.parents.get(parent) if parent is not None else None
        if isinstance(parent, cst.Call) and parent.func is node:
            calls.append(parent)
        elif isinstance(parent, cst.Attribute) and parent.value is node:
            attr = parent.attr.value
            if attr == "forward" and isinstance(grand, cst.Attribute) and grand.attr.value in SCRIPT_ONLY:
                script_only.append(f".forward.{grand.attr.value}")
            elif attr in SCRIPT_ONLY:
                script_only.append(f".{attr}")
            elif attr == "save" and isinstance(grand, cst.Call) and grand.func is parent:
                saves.append(("method", grand))
            elif attr == "forward" and isinstance(grand, cst.Call) and grand.func is parent:
                calls.append(grand)
        elif isinstance(parent, cst.Arg) and isinstance(grand, cst.Call) and grand in saves_by_call and \
                grand.args and grand.args[0] is parent:
            saves.append(("function", grand))
        else:
            consumer = script_consumer(ctx, node)
            if consumer:
                consumers.append(consumer)
            other = True
    return Uses(name, tuple(calls), tuple(saves), tuple(script_only), other, tuple(consumers))


def script_consumer(ctx, node: cst.CSTNode) -> str | None:
    """`writer.add_graph` when `node` is the first argument of a callee that needs a ScriptModule."""
    parent = ctx.tree.parent(node) or ctx.metadata().parents.get(node)
    grand = (ctx.tree.parent(parent) or ctx.metadata().parents.get(parent)) if parent is not None else None
    if isinstance(parent, cst.Arg) and isinstance(grand, cst.Call) and grand.args and grand.args[0] is parent \
            and not parent.star:
        func = grand.func
        last = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) \
            else None
        if last in SCRIPT_CONSUMERS:
            return ctx.tree.module.code_for_node(func)
    return None


def _evaluable_before(ctx, expr: cst.BaseExpression, before: cst.CSTNode) -> bool:
    """Whether `expr` can be evaluated at `before`: literals, and names all of whose bindings in the scope
    precede it (calls of torch factories with such arguments included)."""
    meta = ctx.metadata()
    limit = _position(ctx, before)
    ok = True

    here = meta.scopes.get(before)

    class Visitor(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> bool:
            nonlocal ok
            scope = meta.scopes.get(node)
            if scope is None:
                ok = False
                return False
            found = scope[node.value]
            if not found:
                ok = False  # bound nowhere in the file (not even a builtin): it cannot stand here
            for assignment in found:
                if isinstance(assignment, BuiltinAssignment) or assignment.scope is not here:
                    continue  # a builtin, or bound in an enclosing scope (a module-level import or def)
                where = getattr(assignment, "node", None)
                if not isinstance(where, cst.CSTNode) or _position(ctx, where) >= limit:
                    ok = False
            return False

        def visit_Attribute(self, node: cst.Attribute) -> bool:
            node.value.visit(self)
            return False

        def visit_Lambda(self, node) -> bool:
            nonlocal ok
            ok = False
            return False

    expr.visit(Visitor())
    return ok


def call_inputs(ctx, call: cst.Call, before: cst.CSTNode) -> cst.Tuple | None:
    """The arguments of the first call `s(a, b)` as the tuple `(a, b)` when they can stand at `before`."""
    if not call.args or any(arg.star or arg.keyword is not None for arg in call.args):
        return None
    if not all(_evaluable_before(ctx, arg.value, before) for arg in call.args):
        return None
    values = [arg.value.deep_clone() for arg in call.args]
    elements = [cst.Element(v, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                for v in values[:-1]] + [cst.Element(values[-1], comma=cst.Comma() if len(values) == 1
                                                     else cst.MaybeSentinel.DEFAULT)]
    return cst.Tuple(elements)


def first_call_before(ctx, uses: Uses, before: cst.CSTNode) -> cst.Call | None:
    limit = _position(ctx, before)
    for call in uses.calls:
        if _position(ctx, call) < limit:
            return call
    return None

