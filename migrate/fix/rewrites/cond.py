"""A data-dependent `if` on a tensor inside `forward` -> a `torch.cond` suggestion (unsafe).

TorchScript compiled such a branch as prim::If; torch.export raises on it (trace silently kept one
side). Where both branch bodies can be lifted into functions, the `if` becomes

    def true_fn(x):            def false_fn(x):
        return x * 2               return x - 1
    return torch.cond(x.sum() > 0, true_fn, false_fn, (x,))

Two shapes are lifted: both branches end in `return` (the false branch may be the statements after
an `if` without `else`), or both branches assign the same names and return nothing. Branches must be
straight-line code (assignments and a final return) with no mutation of attributes, items or tensors
in place. Anything else is reported, with the reason, for a human: no code is produced.

The scanner does not look for this; it is the catalogue's rule `TS601` (api `data-dependent-if`,
stage "fix"), declared here as a `Finder`, which runs in files that hold at least one TorchScript finding.
"""

from __future__ import annotations

import libcst as cst

from migrate.fix.model import Import, Refusal
from migrate.fix.rewrites import branch_shapes
from migrate.fix.rewrites.base import Finder, RewriteContext, remove, replace, rewrite
from migrate.fix.tree import dotted
from migrate.scan.matches import dotted_parts

REDUCTIONS = frozenset({"sum", "mean", "max", "min", "amax", "amin", "any", "all", "item", "norm", "prod", "std",
                        "var", "median", "count_nonzero", "argmax", "argmin", "nonzero", "allclose", "equal"})
REASON = ("torch.cond traces both branches: check that they return tensors of the same shape, dtype and "
          "structure, mutate no inputs or module state, and that the operands are tensors (other values are "
          "captured by closure)")


RANDOM_DRAW = ("the test is a random draw, not a branch on the data: torch.cond would trace both sides for nothing "
               "and export fixes nothing random; keep random augmentation out of the exported forward (apply it "
               "before the model, or only when self.training)")
RANDOM = frozenset({"rand", "randn", "randint", "random", "uniform", "bernoulli", "normal", "multinomial",
                    "randperm", "rand_like", "randn_like", "randint_like", "choice"})


def _is_data_dependent(test: cst.BaseExpression) -> bool:
    return _test_kind(test) is not None


def _test_kind(test: cst.BaseExpression) -> str | None:
    """"tensor" when the test reduces a tensor, "random" when it reduces a random draw, else None.

    Whether the test reduces a tensor: a random draw (`torch.rand(1).item() < self.p`) is not a
    data-dependent branch worth a torch.cond (export would bake one draw in either way)."""
    found = False
    random = False

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> bool:
            nonlocal found
            nonlocal random
            random |= (dotted_parts(node.func) or ("",))[-1] in RANDOM
            if isinstance(node.func, cst.Attribute) and node.func.attr.value in REDUCTIONS:
                parts = dotted_parts(node.func)
                found |= not (parts and parts[0] in ("math", "np", "numpy", "builtins"))
            return True

        def visit_Lambda(self, node) -> bool:
            return False

    test.visit(Visitor())
    return None if not found else "random" if random else "tensor"


def _is_module_class(node: cst.ClassDef) -> bool:
    return any((dotted_parts(arg.value) or ("",))[-1].endswith("Module") for arg in node.bases)


def candidate_tops(module: cst.Module) -> set[int]:
    """Top-level statements that may hold a module's forward (classes; they are walked for suggestions)."""
    return {i for i, s in enumerate(module.body) if isinstance(s, cst.ClassDef) and _is_module_class(s)}


def _module_forwards(module: cst.Module, tops):
    """`forward` methods of classes with a base spelled `...Module` (nn.Module, torch.nn.Module, ...)."""
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            if _is_module_class(node) and isinstance(node.body, cst.IndentedBlock):
                found.extend(s for s in node.body.body if isinstance(s, cst.FunctionDef) and s.name.value == "forward")
            return True

    for index in sorted(tops):
        if isinstance(module.body[index], cst.ClassDef):
            module.body[index].visit(Visitor())
    return found


class _Ifs(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[cst.If] = []

    def visit_If(self, node: cst.If) -> bool:
        self.found.append(node)
        return True

    def visit_FunctionDef(self, node) -> bool:
        return False

    visit_ClassDef = visit_Lambda = visit_FunctionDef


class _Reads(cst.CSTVisitor):
    """Names read and assigned in straight-line statements, and the first reason they cannot be lifted."""

    def __init__(self) -> None:
        self.reads: list[str] = []
        self.assigned: list[str] = []
        self.problem: str | None = None

    def _fail(self, reason: str) -> None:
        self.problem = self.problem or reason

    def _targets(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.assigned.append(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._targets(element.value)
        else:
            self._fail("a branch assigns to an attribute or item (torch.cond branches must not mutate state)")

    def visit_Assign(self, node: cst.Assign) -> bool:
        node.value.visit(self)
        for target in node.targets:
            self._targets(target.target)
        return False

    def visit_AnnAssign(self, node: cst.AnnAssign) -> bool:
        if node.value is not None:
            node.value.visit(self)
        self._targets(node.target)
        return False

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        self._fail("a branch updates a value in place (torch.cond branches must not mutate their inputs)")
        return False

    def visit_Name(self, node: cst.Name) -> bool:
        self.reads.append(node.value)
        return False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value.endswith("_") and \
                not node.func.attr.value.startswith("_"):
            self._fail(f"a branch calls the in-place method {node.func.attr.value} (torch.cond branches must not "
                       f"mutate their inputs)")
        return True

    def visit_Lambda(self, node) -> bool:
        self._fail("a branch holds a lambda")
        return False

    def visit_Yield(self, node) -> bool:
        self._fail("a branch yields")
        return False

    visit_Await = visit_Yield


def _straight_line(statements, must_return: bool) -> tuple[_Reads, str | None]:
    reads = _Reads()
    for index, statement in enumerate(statements):
        if not isinstance(statement, cst.SimpleStatementLine):
            kind = type(statement).__name__.lower()
            return reads, f"a branch holds a nested `{kind}` statement"
        for small in statement.body:
            last = index == len(statements) - 1 and small is statement.body[-1]
            if isinstance(small, cst.Return):
                if not (must_return and last) or small.value is None:
                    return reads, "a branch returns early or returns nothing"
                small.value.visit(reads)
            elif isinstance(small, (cst.Assign, cst.AnnAssign, cst.AugAssign)):
                small.visit(reads)
            elif isinstance(small, cst.Pass):
                continue
            else:
                return reads, f"a branch holds a `{type(small).__name__.lower()}` statement (an effect outside the graph)"
    if must_return and not (statements and isinstance(statements[-1], cst.SimpleStatementLine)
                            and isinstance(statements[-1].body[-1], cst.Return)):
        return reads, "a branch does not end in return"
    return reads, reads.problem


def _bound_in(forward: cst.FunctionDef, skip: cst.CSTNode) -> set[str]:
    params = forward.params
    names = {p.name.value for p in [*params.posonly_params, *params.params, *params.kwonly_params]}
    names |= {p.name.value for p in (params.star_arg, params.star_kwarg) if isinstance(p, cst.Param)}
    reads = _Reads()

    class Visitor(cst.CSTVisitor):
        def on_visit(self, node) -> bool:
            if node is skip or isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(node, (cst.Assign, cst.AnnAssign)):
                node.visit(reads)
                return False
            if isinstance(node, cst.For):
                reads._targets(node.target)
            return True

    forward.body.visit(Visitor())
    return names | set(reads.assigned)


def _none_check(test: cst.BaseExpression) -> str | None:
    """The first `x is None` / `x is not None` in the test (a Python check torch.cond cannot take)."""
    found = []

    class Visitor(cst.CSTVisitor):
        def visit_Comparison(self, node: cst.Comparison) -> bool:
            for target in node.comparisons:
                if isinstance(target.operator, (cst.Is, cst.IsNot)) and isinstance(target.comparator, cst.Name) \
                        and target.comparator.value == "None":
                    found.append(cst.Module([]).code_for_node(node))
            return True

    test.visit(Visitor())
    return found[0] if found else None


def _plan(ctx: RewriteContext, forward: cst.FunctionDef, node: cst.If):
    if isinstance(node.orelse, cst.If):
        return Refusal("an if/elif chain: nest torch.cond calls by hand")
    optional = _none_check(node.test)
    if optional:
        return Refusal(f"the test also checks `{optional}` in Python: torch.cond takes one tensor predicate and "
                       f"tensor operands (None is neither); keep that check as an if and call torch.cond inside it "
                       f"on the tensor condition alone")
    true_body = list(_block(node.body).body)
    block = ctx.tree.parent(node)
    siblings = list(getattr(block, "body", ()))
    tail: list = []
    returns = bool(true_body) and isinstance(true_body[-1], cst.SimpleStatementLine) and \
        isinstance(true_body[-1].body[-1], cst.Return)
    if node.orelse is not None:
        false_body = list(_block(node.orelse.body).body)
    elif returns and node in siblings:
        tail = siblings[siblings.index(node) + 1:]
        false_body = tail
    else:
        return Refusal(branch_shapes.masked_update(node) or
                       "the if has no else branch and its body does not return: torch.cond needs both branches")
    true_reads, problem = _straight_line(true_body, returns)
    if problem is None:
        false_reads, problem = _straight_line(false_body, returns)
    if problem:
        return Refusal(f"{problem}; lift the branches into functions and call torch.cond by hand")
    shapes = branch_shapes.different_shapes(true_body, false_body)
    if shapes:
        return Refusal(shapes)
    outputs: list[str] = []
    if not returns:
        if set(true_reads.assigned) != set(false_reads.assigned) or not true_reads.assigned:
            return Refusal("the branches assign different names; make both produce the same values and call "
                           "torch.cond by hand")
        outputs = list(dict.fromkeys(true_reads.assigned))
    for match in ctx.matches:
        if any(ancestor in tail for ancestor in ctx.tree.ancestors(match.node)):
            return Refusal("the statements after the if hold other TorchScript constructs: fix those first")
    bound = _bound_in(forward, node) - {"self"}
    operands = [n for n in dict.fromkeys(true_reads.reads + false_reads.reads) if n in bound]
    true_name = ctx.tree.fresh_name("true_fn", ctx.taken)
    false_name = ctx.tree.fresh_name("false_fn", ctx.taken)
    prefix = ctx.tree.torch_alias or "torch"
    imports = () if ctx.tree.torch_alias else (Import("torch"),)

    def function(name: str, body: cst.IndentedBlock, assigned) -> cst.FunctionDef:
        # a branch that hands an operand back as it is (`if x.sum() > 0: return x`) aliases its input, which
        # torch.cond forbids (AOTInductor: "cond_true might be aliasing the input or the output!"): a copy
        untouched = set(operands) - set(assigned)
        body = body.visit(_CopyAliases(untouched)) if untouched else body
        statements = list(body.body)
        if outputs:
            value = cst.Name(outputs[0]) if len(outputs) == 1 else cst.Tuple([cst.Element(cst.Name(o)) for o in outputs])
            statements.append(cst.SimpleStatementLine([cst.Return(value)]))
        params = cst.Parameters([cst.Param(cst.Name(o)) for o in operands])
        return cst.FunctionDef(cst.Name(name), params, body.with_changes(body=statements))

    def build(updated: cst.If):
        false_block = (_block(updated.orelse.body) if updated.orelse is not None
                       else cst.IndentedBlock([s.deep_clone() for s in tail]))
        elements = [cst.Element(cst.Name(o)) for o in operands]
        cond = cst.Call(dotted(f"{prefix}.cond"), [
            cst.Arg(updated.test.with_changes(lpar=[], rpar=[])), cst.Arg(cst.Name(true_name)),
            cst.Arg(cst.Name(false_name)), cst.Arg(cst.Tuple(elements))])
        if outputs:
            target = cst.Name(outputs[0]) if len(outputs) == 1 else cst.Tuple(
                [cst.Element(cst.Name(o)) for o in outputs], lpar=[], rpar=[])
            last = cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(target)], cond)])
        else:
            last = cst.SimpleStatementLine([cst.Return(cond)])
        first = function(true_name, _block(updated.body), true_reads.assigned).with_changes(
            leading_lines=updated.leading_lines)
        return cst.FlattenSentinel([first, function(false_name, false_block, false_reads.assigned), last])

    edits = [replace(node, build)] + [remove(statement) for statement in tail]
    return rewrite("unsafe", REASON, edits, None, imports=imports)


class _CopyAliases(cst.CSTTransformer):
    """`return x` / `y = x` of an operand the branch never reassigns -> `x.clone()` (also inside a tuple)."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def _copied(self, value):
        if isinstance(value, cst.Name) and value.value in self.names:
            return cst.Call(cst.Attribute(value.with_changes(lpar=[], rpar=[]), cst.Name("clone")), lpar=value.lpar,
                            rpar=value.rpar)
        if isinstance(value, cst.Tuple):
            return value.with_changes(elements=[e.with_changes(value=self._copied(e.value)) for e in value.elements])
        return value

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        return updated_node.with_changes(value=self._copied(updated_node.value)) if updated_node.value else updated_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        return updated_node.with_changes(value=self._copied(updated_node.value))

    def visit_Lambda(self, node) -> bool:
        return False


def _block(suite) -> cst.IndentedBlock:
    """A branch's statements as an indented block (`if c: return x` on one line included)."""
    if isinstance(suite, cst.SimpleStatementSuite):
        return cst.IndentedBlock([cst.SimpleStatementLine(list(suite.body))])
    return suite


def suggestions(ctx: RewriteContext):
    """(the if statement, Rewrite | Refusal) for each data-dependent if in a module's forward."""
    for forward in _module_forwards(ctx.tree.module, ctx.tree.tops):
        ctx.taken = set()  # names of the lifted branch functions only need to be unique within forward
        ifs = _Ifs()
        forward.body.visit(ifs)
        nested = {id(inner) for outer in ifs.found if _is_data_dependent(outer.test) for inner in _Ifs_in(outer)}
        for node in ifs.found:
            if id(node) in nested or not _is_data_dependent(node.test):
                continue
            if _test_kind(node.test) == "random":
                yield node, Refusal(RANDOM_DRAW)
                continue
            yield node, _plan(ctx, forward, node)


def _Ifs_in(node: cst.If) -> list[cst.If]:
    """Ifs inside another if (an elif included): suggested only through the outer one."""
    inner = _Ifs()
    node.body.visit(inner)
    if node.orelse is not None:
        node.orelse.visit(inner)
    return inner.found


REWRITES = (Finder("TS601", "if", "unsafe", candidate_tops, suggestions),)
