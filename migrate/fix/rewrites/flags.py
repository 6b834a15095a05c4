"""What the `@torch.jit.export` rewrite (TS301, decorators.py) adds to its note about the class around the method.

A scripted module kept every method marked `@torch.jit.export` and ran `forward` with any value of
its Python flags. torch.export keeps `forward` only, and treats every input that is not a tensor as a
constant of the example (ConditionalDecoder of the deep-dive tutorial: `set_temperature` and a
`greedy: bool` flag that `forward` branches on). Two notes, read from the class:

- the method sets attributes that `forward` reads (`self.temperature = t`): their value is baked
  into the program as a constant, so the method is called before exporting, and again (with a new
  export) after each change;
- `forward` branches on a `bool` parameter: the choice made here is **export per flag value**, one
  program per value, picked by the caller with the flag. Making the flag a tensor argument
  (`torch.cond(greedy, ...)`) was not chosen: every caller would have to pass a tensor (a program
  exported with a tensor flag rejects a Python bool), so the rewrite would change the module's
  interface, and torch.cond would put both branches (the sampling one too) into every program.
"""

from __future__ import annotations

import libcst as cst


def _class_and_method(ctx, decorator: cst.Decorator):
    method = klass = None
    for node in ctx.tree.ancestors(decorator):
        if method is None and isinstance(node, cst.FunctionDef):
            method = node
        elif method is not None and isinstance(node, cst.ClassDef):
            klass = node
            break
    return method, klass


def _self_attributes(node: cst.CSTNode, assigned: bool) -> set[str]:
    """`self.<name>` assigned in `node` (assigned=True), or read in it (False)."""
    found: set[str] = set()

    class Visitor(cst.CSTVisitor):
        def visit_AssignTarget(self, target: cst.AssignTarget) -> bool:
            if assigned and isinstance(target.target, cst.Attribute) and \
                    isinstance(target.target.value, cst.Name) and target.target.value.value == "self":
                found.add(target.target.attr.value)
            return True

        def visit_Attribute(self, attribute: cst.Attribute) -> bool:
            if not assigned and isinstance(attribute.value, cst.Name) and attribute.value.value == "self":
                found.add(attribute.attr.value)
            return True

    node.visit(Visitor())
    return found


def bool_flags(forward: cst.FunctionDef) -> list[str]:
    """Parameters of forward annotated `bool` (or defaulting to True/False) that an `if` of forward tests."""
    params = [*forward.params.params, *forward.params.kwonly_params]
    flags = [p.name.value for p in params
             if (p.annotation is not None and isinstance(p.annotation.annotation, cst.Name)
                 and p.annotation.annotation.value == "bool")
             or (isinstance(p.default, cst.Name) and p.default.value in ("True", "False"))]
    tested: set[str] = set()

    class Visitor(cst.CSTVisitor):
        def visit_If(self, node: cst.If) -> bool:
            test = node.test.expression if isinstance(node.test, cst.UnaryOperation) else node.test
            if isinstance(test, cst.Name):
                tested.add(test.value)
            return True

    forward.body.visit(Visitor())
    return [f for f in flags if f in tested]


def exported_method_note(ctx, decorator: cst.Decorator) -> str:
    """The sentences to add to TS301's reason for this method ("" when nothing applies)."""
    method, klass = _class_and_method(ctx, decorator)
    if method is None or klass is None or not isinstance(klass.body, cst.IndentedBlock):
        return ""
    forward = next((s for s in klass.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "forward"), None)
    if forward is None:
        return ""
    notes = []
    state = sorted(_self_attributes(method, assigned=True) & _self_attributes(forward, assigned=False))
    if state:
        names = ", ".join(f"self.{name}" for name in state)
        notes.append(f"`{method.name.value}` sets {names}, which forward reads: torch.export bakes its value into the "
                     f"program as a constant, so call `{method.name.value}` before exporting, and export again after "
                     f"each change")
    for flag in bool_flags(forward):
        notes.append(f"forward branches on the Python flag `{flag}`, which torch.export fixes to the example's value "
                     f"(the program rejects the other value: `Guard failed: {flag} == ...`): export once per flag "
                     f"value, e.g. `{{v: torch.export.export(m, (x, v)) for v in (True, False)}}`, and pick the "
                     f"program by the flag; making `{flag}` a tensor argument with torch.cond was not chosen, since "
                     f"every caller would then have to pass a tensor (the module's interface changes) and each "
                     f"program would hold both branches")
    return "; ".join(notes)
