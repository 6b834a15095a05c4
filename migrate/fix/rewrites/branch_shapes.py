"""Why a data-dependent `if` must not become a torch.cond, read before cond.py lifts its branches.

- `different_shapes`: torch.cond needs both branches to return tensors of the same shape, and in
  eager mode torch.cond already traces both, so a wrong lift breaks the model itself, not only its
  export (MyModule of the TorchScript tutorial: `self.weight.mv(input)` on one side, the broadcast
  `self.weight + input` on the other). Shapes cannot be told from the source, but an operation that
  changes the shape (`mv`, `@`, `view`, a reduction over a dim, ...) on one side only is a strong
  sign; the lift is then refused with the reason. Two sides that both change the shape (or neither)
  are lifted as before.
- `masked_update`: an `if` with no else that guards a write into selected rows
  (`if mask.any(): out[mask] = f(x[mask])`, a mixture of experts such as DynamicRouter) has no
  torch.cond form and no rewrite a codemod can prove; the refusal carries the recipe.
"""

from __future__ import annotations

import libcst as cst

from migrate.scan.matches import dotted_parts

SHAPE_CHANGING = frozenset({
    "mv", "mm", "bmm", "matmul", "dot", "outer", "einsum", "linear", "conv1d", "conv2d", "conv3d",
    "view", "reshape", "flatten", "unflatten", "squeeze", "unsqueeze", "transpose", "permute", "t", "expand",
    "repeat", "narrow", "select", "index_select", "gather", "masked_select", "cat", "stack", "chunk", "split",
    "sum", "mean", "prod", "amax", "amin", "max", "min", "argmax", "argmin", "norm", "std", "var", "median",
    "topk", "nonzero", "unique", "pad", "interpolate",
})

MASKED_UPDATE = (
    "the if guards a write into selected rows (`if mask.any(): out[mask] = f(x[mask])`, one per expert in a "
    "mixture of experts): torch.cond cannot hold a branch that writes into a tensor, and no codemod can prove a "
    "rewrite keeps the behaviour, so this stays for a human. Recipe: drop the guard when `f` accepts zero rows "
    "(the write is then a no-op and torch.export handles the data-dependent row count), or run every expert "
    "on every row and select, `out = torch.where(mask.unsqueeze(-1), f(x), out)` (static shapes, more compute); "
    "then check eager against the original on inputs where some experts get no rows")


def _shape_ops(statements) -> list[str]:
    found: list[str] = []

    class Visitor(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> bool:
            name = (dotted_parts(node.func) or ("",))[-1]
            if name in SHAPE_CHANGING:
                found.append(name)
            return True

        def visit_BinaryOperation(self, node: cst.BinaryOperation) -> bool:
            if isinstance(node.operator, cst.MatrixMultiply):
                found.append("@")
            return True

    for statement in statements:
        statement.visit(Visitor())
    return found


def different_shapes(true_body, false_body) -> str | None:
    """The refusal reason when one branch changes the shape of what it computes and the other does not."""
    true_ops, false_ops = _shape_ops(true_body), _shape_ops(false_body)
    if bool(true_ops) == bool(false_ops):
        return None
    side, ops = ("true", true_ops) if true_ops else ("false", false_ops)
    return (f"the branches may return tensors of different shapes (`{ops[0]}` changes the shape in the {side} "
            f"branch only), and torch.cond needs the same shape on both sides (in eager mode too, so the lifted "
            f"model would raise): make both branches return the same shape, or keep this module out of the "
            f"exported graph")


def masked_update(node: cst.If) -> str | None:
    """The recipe when an `if` without else writes into an item (`out[mask] = ...`)."""
    found = False

    class Visitor(cst.CSTVisitor):
        def visit_AssignTarget(self, target: cst.AssignTarget) -> bool:
            nonlocal found
            found |= isinstance(target.target, cst.Subscript)
            return False

    node.body.visit(Visitor())
    return MASKED_UPDATE if found and node.orelse is None else None
