"""What a scripted or traced value becomes, decided once per value from its uses (see uses.py).

- "module": every use is known and needs no ScriptModule: `s = m` (the module itself); each save of `s`
  exports it there with the inputs known at that save;
- "program": the uses are not all known (returned, passed on): `torch.export.export(m, inputs).module()`,
  which needs inputs (trace's own, or `example_inputs=` of script);
- a refusal: a ScriptModule-only attribute is read, or a save (or the export itself) has no inputs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

import libcst as cst

from migrate.fix.model import Refusal
from migrate.fix.rewrites import testcode, uses as uses_module
from migrate.fix.rewrites.base import RewriteContext, argument, as_keyword, bare, call, keywords, updated_arg
from migrate.fix.rewrites.uses import NEEDS_INPUTS, Uses
from migrate.scan.matches import Match


SCRIPT_CONSUMER = ("`{consumer}` is given the TorchScript module: converters and viewers like it (TensorBoard's "
                   "add_graph, coremltools' convert, OpenVINO's convert_model, optimize_for_mobile) read a TorchScript "
                   "graph or trace the module themselves, and an exported `.module()` is neither; keep TorchScript "
                   "here, or pass what the consumer documents for torch.export (often the ExportedProgram) by hand")
PRODUCER = ("this code's job is to write TorchScript ({where} says so): writing an ExportedProgram under the same "
            "name would break whoever reads the file; keep it, and add a torch.export path beside it")
_PRODUCER_NAME = re.compile(r"torchscript|(^|_)jit(_|$)", re.IGNORECASE)


def torchscript_producer(ctx: RewriteContext, node: cst.CSTNode) -> str | None:
    """`function export_torchscript` when the function, class or file holding a save is named for TorchScript."""
    for parent in ctx.tree.ancestors(node):
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and _PRODUCER_NAME.search(parent.name.value):
            kind = "function" if isinstance(parent, cst.FunctionDef) else "class"
            return f"{kind} `{parent.name.value}`"
    base = os.path.basename(ctx.path)
    if base and _PRODUCER_NAME.search(os.path.splitext(base)[0]):
        return f"the file name `{base}`"
    return None


@dataclass
class Inputs:
    """Example inputs: the tuple of positional inputs (an original expression, built by `build`) and kwargs."""

    expr: cst.BaseExpression | None
    build: object  # f(expression clone or None) -> the tuple expression
    kwargs: cst.Arg | None = None

    def args(self) -> list[cst.Arg]:
        clone = self.expr.deep_clone() if self.expr is not None else None
        found = [cst.Arg(self.build(clone))]
        if self.kwargs is not None:
            found.append(as_keyword(self.kwargs.deep_clone(), "kwargs"))
        return found


@dataclass
class Plan:
    kind: str  # module | program | refuse
    reason: str = ""
    uses: Uses = field(default_factory=lambda: Uses(None))
    inputs: Inputs | None = None  # the inputs known where the value is made
    save_inputs: dict = field(default_factory=dict)  # save call -> Inputs


def _script_inputs(match: Match) -> Inputs | None:
    examples = keywords(match.call).get("example_inputs")
    if examples is not None and isinstance(examples.value, cst.List) and examples.value.elements and \
            isinstance(examples.value.elements[0].value, cst.Tuple):
        return Inputs(examples.value.elements[0].value, lambda clone: clone)
    return None


def plan_of(match: Match, ctx: RewriteContext) -> Plan:
    """The plan for the value `match` (a TS102 trace or TS101 script call of a module) makes; memoised."""
    key = ("plan", match.call)
    if key not in ctx.memo:
        ctx.memo[key] = _plan(match, ctx)
    return ctx.memo[key]


def _plan(match: Match, ctx: RewriteContext) -> Plan:
    from migrate.fix.rewrites.serialization import trace_plan

    if match.rule.id == "TS102":
        traced = trace_plan(match, ctx)
        if isinstance(traced, str):
            return Plan("refuse", traced)
        _, inputs_arg, build_inputs, kwargs_arg, _ = traced
        inputs = Inputs(inputs_arg.value if inputs_arg is not None else None, build_inputs, kwargs_arg)
    else:
        inputs = _script_inputs(match)
    found = uses_module.uses_of(ctx, match)
    test = testcode.in_test_code(ctx, match.call)
    if test is not None:
        expected = testcode.expected_raise(ctx, match.call)
        if expected is not None:
            return Plan("refuse", testcode.EXPECTS_RAISE.format(what=expected), found)
    consumer = uses_module.script_consumer(ctx, match.call) or next(iter(found.consumers), None)
    if consumer is not None:
        return Plan("refuse", SCRIPT_CONSUMER.format(consumer=consumer), found)
    if found.script_only:
        attrs = ", ".join(sorted(set(found.script_only)))
        return Plan("refuse", f"`{found.name.value}` is used as a ScriptModule ({attrs}), which neither the module "
                              f"nor an exported program has (an ExportedProgram shows its code as .graph_module.code): "
                              f"rewrite these uses by hand", found)
    producer = torchscript_producer(ctx, match.call) if found.saves else None
    if producer is not None:
        return Plan("refuse", PRODUCER.format(where=producer), found)
    if test is not None and found.name is not None:
        return _test_plan(ctx, match, found, inputs)
    if not found.known:
        if inputs is None:
            return Plan("refuse", NEEDS_INPUTS, found)
        return Plan("program", "", found, inputs, {save: inputs for _, save in found.saves})
    save_inputs = {}
    for _, save in found.saves:
        if inputs is not None:
            save_inputs[save] = inputs
            continue
        first = uses_module.first_call_before(ctx, found, save)
        tuple_ = uses_module.call_inputs(ctx, first, ctx.tree.statement(save) or save) if first is not None else None
        if tuple_ is None:
            return Plan("refuse", f"`{found.name.value}` is saved, so it must be exported, but no example inputs "
                                  f"stand before the save: {NEEDS_INPUTS}", found)
        save_inputs[save] = Inputs(tuple_, lambda clone: clone)
    return Plan("module", "", found, inputs, save_inputs)


def _test_plan(ctx: RewriteContext, match: Match, found: Uses, inputs: Inputs | None) -> Plan:
    """In a test, a value only called or saved is exported (never the module itself: the test would compare
    the module with itself), with its own inputs or those of its first call when they stand before it."""
    if inputs is None and found.calls:
        statement = ctx.tree.statement(match.call) or match.call
        tuple_ = uses_module.call_inputs(ctx, found.calls[0], statement)
        if tuple_ is not None:
            inputs = Inputs(tuple_, lambda clone: clone)
    kind = "scripted" if match.rule.id == "TS101" else "traced"
    if inputs is None:
        return Plan("refuse", testcode.COMPARES.format(name=found.name.value, kind=kind), found)
    code = ctx.tree.module.code_for_node
    example = inputs.build(inputs.expr.deep_clone()) if inputs.expr is not None else None
    spelled = [code(e.value) for e in example.elements] if isinstance(example, cst.Tuple) else None
    for other in found.calls:
        args = [("*" if arg.star else "") + code(arg.value) for arg in other.args if arg.keyword is None]
        if args not in ([spelled] if spelled is not None else [[code(inputs.expr)], [f"*{code(inputs.expr)}"]]):
            return Plan("refuse", testcode.OTHER_INPUTS.format(name=found.name.value, kind=kind, call=code(other)),
                        found)
    return Plan("program", "test", found, inputs, {save: inputs for _, save in found.saves})


def export_of(ctx: RewriteContext, match: Match, module: cst.BaseExpression, inputs: Inputs) -> cst.Call:
    export, _ = ctx.torch(match, "export.export")
    return call(export, cst.Arg(module), *inputs.args())


def method_save(ctx: RewriteContext, match: Match, save: cst.Call, inputs: Inputs):
    """`s.save(f, _extra_files=e)` -> `torch.export.save(torch.export.export(s, inputs), f, extra_files=e)`."""
    from migrate.fix.rewrites.serialization import _pt2_path

    save_fn, _ = ctx.torch(match, "export.save")
    path_arg, extra = argument(save, 0, "f"), argument(save, 1, "_extra_files")

    def build(updated: cst.Call) -> cst.Call:
        receiver = updated.func.value
        args = [cst.Arg(export_of(ctx, match, receiver, inputs))]
        if path_arg is not None:
            new_path = _pt2_path(path_arg.value)
            args.append(bare(updated_arg(updated, save, path_arg)) if new_path is None else cst.Arg(new_path))
        if extra is not None:
            args.append(as_keyword(bare(updated_arg(updated, save, extra)), "extra_files"))
        return call(save_fn, *args)

    return build


def refusal(plan: Plan) -> Refusal:
    return Refusal(plan.reason)
