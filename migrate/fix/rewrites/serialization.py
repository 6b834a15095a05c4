"""Compiling, saving and loading models (all unsafe: the artefact and its behaviour change).

- `torch.jit.trace(m, x)` -> `torch.export.export(m, (x,)).module()` (a tuple of inputs is kept as it
  is; `example_kwarg_inputs=` becomes `kwargs=`; trace's checking options are dropped).
- `torch.jit.script(m)` -> `torch.export.export(m, ()).module()` with a TODO for the example inputs
  (or the first tuple of `example_inputs=` when given); `torch.jit.script(f)` on a plain function -> `f`.
- `torch.jit.save(m, "a.pt")` -> `torch.export.save(torch.export.export(m, inputs), "a.pt2")`, reusing
  the example inputs of the trace that made `m` when it is in the same scope.
- `torch.jit.load(p)` -> `torch.export.load(p).module()` (`.pt` paths become `.pt2`).
- `torch.jit.freeze(m)` / `torch.jit.optimize_for_inference(m)` -> `m`, with a note on AOTInductor.
"""

from __future__ import annotations

import re

import libcst as cst

from migrate.fix.model import Refusal
from migrate.fix.rewrites import lookup, submodules, testcode, values
from migrate.fix.rewrites.base import (Rewriter, RewriteContext, argument, in_place_of, as_keyword, bare, call,
                                       keywords, map_args, positional, refuse, renamed, replace, rewrite, updated_arg)
from migrate.fix.rewrites.uses import NEEDS_INPUTS
from migrate.scan.matches import Match

TRACE_DROPPED = ("optimize", "check_trace", "check_inputs", "check_tolerance", "strict", "_force_outplace",
                 "_module_class", "_compilation_unit", "_store_inputs")
TEST_REASON = ("this test checked the TorchScript value against eager code; it now checks the exported program "
               "(`.module()`) with the same inputs, so it stays a test of the conversion, not of the module against "
               "itself")
_TS_SUFFIX = re.compile(r"\.(pt|pth|ts|jit|zip|ptl|torchscript)$")


# -- trace ----------------------------------------------------------------------------------------------
def _inputs(ctx: RewriteContext, arg: cst.Arg | None):
    """(original expression of the tuple of example inputs, how to build it from the updated one) or a reason."""
    if arg is None:
        return None, lambda updated: cst.Tuple([]), None
    expr = arg.value
    kind = lookup.tuple_kind(ctx, expr)
    if kind == "tuple":
        return expr, lambda updated: updated, None
    if kind == "single":
        return expr, lambda updated: cst.Tuple([cst.Element(updated)]), None
    if isinstance(expr, cst.Name):  # unknown: decide at run time, exactly as trace did
        def either(updated):
            name = updated
            return cst.IfExp(test=cst.Call(cst.Name("isinstance"), [cst.Arg(name), cst.Arg(cst.Name("tuple"))]),
                             body=name, orelse=cst.Tuple([cst.Element(name)]))
        return expr, either, None
    return None, None, (f"cannot tell whether `{ctx.tree.module.code_for_node(expr)}` is one input or a tuple of "
                        f"inputs: write torch.export.export(model, args) by hand")


def trace_plan(match: Match, ctx: RewriteContext):
    """What the trace rewrite needs: (module arg, inputs arg, build inputs, kwargs arg, dropped names) or a reason."""
    original = match.call
    if positional(original) is None:
        return "the call passes *args or **kwargs: rewrite it by hand"
    module_arg = argument(original, 0, "func")
    if module_arg is None:
        return "no module to trace"
    value = module_arg.value
    if lookup.is_function(ctx, value) or (isinstance(value, cst.Attribute) and value.attr.value == "forward"):
        return ("torch.export.export takes an nn.Module, not a function: wrap it in a module whose forward "
                "calls it, then export that")
    if len(positional(original)) > 2 + TRACE_DROPPED.index("_compilation_unit") + 1:
        return "too many positional arguments: rewrite it by hand"  # the next one is example_kwarg_inputs
    inputs_arg = argument(original, 1, "example_inputs")
    kwargs_arg = keywords(original).get("example_kwarg_inputs")
    if inputs_arg is None and kwargs_arg is None:
        return "no example inputs given: rewrite it by hand"
    known = {"func", "example_inputs", "example_kwarg_inputs", *TRACE_DROPPED}
    unknown = [k for k in keywords(original) if k not in known]
    if unknown:
        return f"unexpected argument {', '.join(unknown)}: rewrite it by hand"
    if inputs_arg is not None and isinstance(inputs_arg.value, cst.Name) and inputs_arg.value.value == "None":
        inputs_arg = None
    expr, build_inputs, problem = _inputs(ctx, inputs_arg)
    if problem:
        return problem
    dropped = [k for k in keywords(original) if k in TRACE_DROPPED]
    dropped += [TRACE_DROPPED[i] for i in range(len(positional(original)) - 2)]
    return module_arg, inputs_arg, build_inputs, kwargs_arg, dropped


def trace(match: Match, ctx: RewriteContext):
    plan = trace_plan(match, ctx)
    if isinstance(plan, str):
        return refuse(plan)
    module_arg, inputs_arg, build_inputs, kwargs_arg, dropped = plan
    value = values.plan_of(match, ctx)
    if value.kind == "refuse":
        return refuse(value.reason)
    if value.kind == "module":
        return _as_module(match, ctx, value, module_arg,
                          "the eager module runs every branch as written, where trace froze the branches and "
                          "Python values of the example")
    original = match.call
    export, imports = ctx.torch(match, "export.export")

    def build(updated: cst.Call) -> cst.Call:
        mapping = {module_arg: renamed("mod")}
        if kwargs_arg is not None:
            mapping[kwargs_arg] = renamed("kwargs")
        if inputs_arg is not None:
            mapping[inputs_arg] = lambda arg: renamed("args")(arg).with_changes(value=build_inputs(arg.value))
        args = map_args(original, updated, mapping)
        if inputs_arg is None:  # kwargs only: no positional inputs, laid out like the module argument
            args[0] = args[0].with_changes(comma=args[0].comma if args[0].comma != cst.MaybeSentinel.DEFAULT
                                           else cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            args.insert(1, cst.Arg(cst.Tuple([]), comma=args[0].comma))
        exported = updated.with_changes(func=export, args=args)
        return cst.Call(cst.Attribute(exported, cst.Name("module")), [])

    reason = ("torch.export raises on data-dependent control flow that trace silently specialised (rewrite such "
              "branches with torch.cond), and the program only accepts inputs of the example's structure")
    if value.reason == "test":
        reason = TEST_REASON + "; " + reason
    if dropped:
        reason += f"; trace's {', '.join(dropped)} option(s) were dropped"
    edits = [replace(original, build), *_save_edits(match, ctx, value)]
    return rewrite("unsafe", reason, edits, match, imports=imports)


def _save_edits(match: Match, ctx: RewriteContext, value) -> list:
    return [replace(save, values.method_save(ctx, match, save, value.save_inputs[save]))
            for how, save in value.uses.saves if how == "method"]


def _as_module(match: Match, ctx: RewriteContext, value, module_arg: cst.Arg, why: str):
    """`s = torch.jit.script(m)` whose uses all work on the module itself -> `s = m`."""
    original = match.call
    fit = in_place_of(ctx, original)
    name = value.uses.name.value
    speed = (f"use torch.compile({ctx.tree.module.code_for_node(module_arg.value)}) instead where the point was "
             f"speed (it compiles on the first call and keeps the module's Python semantics)")
    reason = f"`{name}` is only called or saved here, so it becomes the module itself ({why}); {speed}"
    if isinstance(ctx.metadata().parents.get(value.uses.name), cst.Attribute):  # `self.sub = ...` in __init__
        reason = f"`self.{name}` is only called in its class: {submodules.WHY_SUBMODULE}; {speed}"
    if value.uses.saves:
        reason += "; each save exports it with the example inputs known there"
    imports = ctx.torch(match, "export.export")[1] if value.uses.saves else ()
    edits = [replace(original, lambda updated: fit(updated_arg(updated, original, module_arg).value)),
             *_save_edits(match, ctx, value)]
    return rewrite("unsafe", reason, edits, match, imports=imports)


# -- script (call) ------------------------------------------------------------------------------------------
def script_call(match: Match, ctx: RewriteContext):
    original = match.call
    target = argument(original, 0, "obj")
    if positional(original) is None or target is None:
        return refuse("cannot read the scripted object: rewrite it by hand")
    fit = in_place_of(ctx, original)
    if lookup.is_function(ctx, target.value):
        if testcode.in_test_code(ctx, original) is not None:
            expected = testcode.expected_raise(ctx, original)
            return refuse(testcode.EXPECTS_RAISE.format(what=expected) if expected else testcode.FUNCTION)
        return rewrite("unsafe", "a scripted function becomes the plain Python function (no .graph, .save or "
                                 ".code); torch.export traces it when a model calls it",
                       [replace(original, lambda updated: fit(updated_arg(updated, original, target).value))], match)
    if lookup.is_class(ctx, target.value):
        return refuse("scripting a class (a TorchScript class) has no torch.export counterpart: use the plain "
                      "class and export the module that uses it")
    outer = submodules.enclosing_export(ctx, match)
    if outer is not None and values.plan_of(outer, ctx).kind != "refuse":  # trace(Cell(script(Gate())), x)
        return rewrite("unsafe", submodules.WHY_NESTED,
                       [replace(original, lambda updated: fit(updated_arg(updated, original, target).value))], match)
    value = values.plan_of(match, ctx)
    if value.kind == "refuse":
        return refuse(value.reason)
    if value.kind == "module":
        return _as_module(match, ctx, value, target, "what the scripted one computed")
    export, imports = ctx.torch(match, "export.export")
    first = value.inputs.expr

    def build(updated: cst.Call) -> cst.Call:
        exported = call(export, bare(updated_arg(updated, original, target)), cst.Arg(first.deep_clone()))
        return cst.Call(cst.Attribute(exported, cst.Name("module")), [])

    reason = ("torch.export needs example inputs (the first of example_inputs was used), raises on data-dependent "
              "control flow (use torch.cond) and returns a GraphModule, not a ScriptModule (no .save/.code/.graph)")
    if value.reason == "test":
        reason = TEST_REASON + "; " + reason.replace("the first of example_inputs was used", "those in scope were used")
    return rewrite("unsafe", reason, [replace(original, build), *_save_edits(match, ctx, value)], match,
                   imports=imports)


# -- save / load ----------------------------------------------------------------------------------------------
def _pt2_path(expr: cst.BaseExpression):
    """A string literal path with a TorchScript suffix -> the same with .pt2 (None: leave it as it is)."""
    if isinstance(expr, cst.SimpleString):
        value = expr.value
        quote_at = len(value) - len(value.lstrip("rRbBuU"))
        quote = value[quote_at:quote_at + 3] if value[quote_at:quote_at + 3] in ('"""', "'''") else value[quote_at]
        body = value[quote_at + len(quote):len(value) - len(quote)]
        if _TS_SUFFIX.search(body):
            return expr.with_changes(value=value[:quote_at] + quote + _TS_SUFFIX.sub(".pt2", body) + quote)
        if body.endswith(".pt2"):
            return expr
    if isinstance(expr, cst.FormattedString) and expr.parts and isinstance(expr.parts[-1], cst.FormattedStringText):
        last = expr.parts[-1]
        if _TS_SUFFIX.search(last.value):
            return expr.with_changes(parts=[*expr.parts[:-1], last.with_changes(value=_TS_SUFFIX.sub(".pt2", last.value))])
    return None


def _traced_from(ctx: RewriteContext, expr: cst.BaseExpression) -> Match | None:
    """The trace (or script) call that made `expr`: the call itself or the one assignment of a name."""
    value = lookup.single_value(ctx, expr) if isinstance(expr, cst.Name) else expr
    for candidate in ctx.matches:
        if candidate.call is not None and candidate.call is value and candidate.context == "call" and \
                candidate.rule.id in ("TS102", "TS101"):
            return candidate
    return None


def save(match: Match, ctx: RewriteContext):
    original = match.call
    if positional(original) is None:
        return refuse("the call passes *args or **kwargs: rewrite it by hand")
    module_arg, path_arg = argument(original, 0, "m"), argument(original, 1, "f")
    extra = argument(original, 2, "_extra_files")
    if module_arg is None or path_arg is None:
        return refuse("cannot read the module and path: rewrite it by hand")
    producer = values.torchscript_producer(ctx, original)
    if producer is not None:
        return refuse(values.PRODUCER.format(where=producer))
    export, imports = ctx.torch(match, "export.export")
    save_fn, _ = ctx.torch(match, "export.save")
    source = _traced_from(ctx, module_arg.value)
    if source is None:
        return refuse(f"where `{ctx.tree.module.code_for_node(module_arg.value)}` comes from is not known here: "
                      f"{NEEDS_INPUTS}")
    if source.rule.id == "TS101" and lookup.is_function(ctx, argument(source.call, 0, "obj").value):
        return refuse("a scripted function cannot be exported: export the module that calls it")
    value = values.plan_of(source, ctx)
    if value.kind == "refuse":
        return refuse(f"the saved value is left for a human: {value.reason}")
    direct = source.call is module_arg.value
    inputs = value.save_inputs.get(original, value.inputs)
    new_path = _pt2_path(path_arg.value)

    def program(module: cst.BaseExpression) -> cst.BaseExpression:
        if direct and _is_module_call(module):  # save(trace(m, x), p): export once, without .module()
            return module.func.value
        return values.export_of(ctx, match, module, inputs)

    def build(updated: cst.Call) -> cst.Call:
        mapping = {module_arg: lambda arg: renamed("ep")(arg).with_changes(value=program(arg.value)),
                   path_arg: lambda arg: arg if new_path is None else arg.with_changes(value=new_path)}
        if extra is not None:
            mapping[extra] = lambda arg: as_keyword(arg, "extra_files").with_changes(comma=arg.comma)
        return updated.with_changes(func=save_fn, args=map_args(original, updated, mapping))

    reason = ("writes an ExportedProgram archive (.pt2) instead of a TorchScript archive: whatever loads it "
              "(torch.jit.load, C++ torch::jit::load) must change to torch.export.load / AOTInductor too")
    if new_path is None:
        reason += "; check that the path ends in .pt2"
    if not direct:
        reason += "; the module is exported here with the example inputs known at this save"
    return rewrite("unsafe", reason, [replace(original, build)], match, imports=imports)


def _is_module_call(expr: cst.BaseExpression) -> bool:
    return (isinstance(expr, cst.Call) and not expr.args and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "module")


FOREIGN_ARCHIVE = ("`{path}` names a TorchScript archive that nothing in this file writes with a save the fix "
                   "rewrites (a downloaded asset, a file another program or release produced): torch.export.load "
                   "cannot read a TorchScript archive, so the load is left; re-export the source model with "
                   "torch.export.save and load that .pt2, or keep torch.jit.load while the asset is TorchScript")


def _written_here(ctx: RewriteContext, path: cst.BaseExpression) -> bool:
    """Whether a save in this file that the fix rewrites (torch.jit.save, or `.save` of a scripted/traced value)
    writes the path spelled as `path` is: evidence that the archive loaded is the .pt2 the new save writes."""
    key = ("written", _spelled(ctx.tree.module.code_for_node, path))
    if key not in ctx.memo:
        ctx.memo[key] = False  # a cycle (a save whose module comes from this load) is no evidence
        ctx.memo[key] = _find_writer(ctx, key[1])
    return ctx.memo[key]


def _spelled(code, expr: cst.BaseExpression) -> str:
    return repr(expr.evaluated_value) if isinstance(expr, cst.SimpleString) else code(expr).strip()


def _find_writer(ctx: RewriteContext, spelled: str) -> bool:
    code = ctx.tree.module.code_for_node
    for candidate in ctx.matches:
        if candidate.call is None or candidate.context != "call":
            continue
        if candidate.rule.id == "TS201":
            target = argument(candidate.call, 1, "f")
            if target is not None and _spelled(code, target.value) == spelled and \
                    not isinstance(save(candidate, ctx), Refusal):
                return True
        elif candidate.rule.id in ("TS101", "TS102"):
            value = values.plan_of(candidate, ctx)
            if value.kind == "refuse":
                continue
            for how, saved in value.uses.saves:
                target = argument(saved, 0, "f")
                if how == "method" and target is not None and _spelled(code, target.value) == spelled:
                    return True
    return False


def load(match: Match, ctx: RewriteContext):
    original = match.call
    if positional(original) is None:
        return refuse("the call passes *args or **kwargs: rewrite it by hand")
    path_arg = argument(original, 0, "f")
    location = argument(original, 1, "map_location")
    extra = argument(original, 2, "_extra_files")
    if path_arg is None:
        return refuse("cannot read the path: rewrite it by hand")
    if not _written_here(ctx, path_arg.value):
        return refuse(FOREIGN_ARCHIVE.format(path=ctx.tree.module.code_for_node(path_arg.value)))
    load_fn, imports = ctx.torch(match, "export.load")
    new_path = _pt2_path(path_arg.value)

    def build(updated: cst.Call) -> cst.BaseExpression:
        mapping = {path_arg: lambda arg: arg if new_path is None else arg.with_changes(value=new_path)}
        if extra is not None:
            mapping[extra] = lambda arg: as_keyword(arg, "extra_files").with_changes(comma=arg.comma)
        loaded = updated.with_changes(func=load_fn, args=map_args(original, updated, mapping))
        result: cst.BaseExpression = cst.Call(cst.Attribute(loaded, cst.Name("module")), [])
        if location is not None:
            result = cst.Call(cst.Attribute(result, cst.Name("to")), [bare(updated_arg(updated, original, location))])
        return result

    reason = ("reads a .pt2 written by torch.export.save, not a TorchScript archive: re-export and save the model "
              "first")
    if location is not None:
        reason += "; map_location became .to(...) (a dict or function of locations needs rewriting by hand)"
    if new_path is None:
        reason += "; check that the path names the .pt2 file"
    return rewrite("unsafe", reason, [replace(original, build)], match, imports=imports)


# -- freeze / optimize_for_inference ------------------------------------------------------------------------
NOTES = {
    "TS203": "# NOTE(migrate): freeze dropped; AOTInductor (aoti_compile_and_package) folds constants",
    "TS204": "# NOTE(migrate): optimize_for_inference dropped; for speed use AOTInductor or torch.compile",
}


def drop_call(match: Match, ctx: RewriteContext):
    original = match.call
    target = argument(original, 0, "mod")
    if positional(original) is None or target is None:
        return refuse("cannot read the module argument: rewrite it by hand")
    reason = ("the module is no longer frozen or optimised: attributes stay mutable and run eagerly; compile the "
              "exported program with AOTInductor for the speed (see the note)")
    notes = ((ctx.tree.statement(original), NOTES[match.rule.id]),)
    fit = in_place_of(ctx, original)
    return rewrite("unsafe", reason, [replace(original, lambda updated: fit(updated_arg(updated, original, target).value))],
                   match, notes=notes)


REWRITES = (
    Rewriter("TS102", "call", "unsafe", trace),
    Rewriter("TS101", "call", "unsafe", script_call),
    Rewriter("TS201", "call", "unsafe", save),
    Rewriter("TS202", "call", "unsafe", load),
    Rewriter("TS203", "call", "unsafe", drop_call),
    Rewriter("TS204", "call", "unsafe", drop_call),
)
