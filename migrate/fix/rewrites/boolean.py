"""Boolean algebra after predicate rewrites: `not A and not A` -> `not A`, `not not A` -> `A`,
`A or (not A and B)` -> `A or B`.

Two old predicates (`not is_scripting() and not is_tracing()`) often become the same new one; the
guard is then simplified where it stands, and a guard whose value no longer depends on anything
(`A or not A`) is reported instead of rewritten.
"""

from __future__ import annotations

import itertools

import libcst as cst

_EMPTY = cst.Module([])


def _is_not(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not)


def chain_top(ctx, call: cst.Call) -> cst.BaseExpression | None:
    """The outermost `and`/`or`/`not` expression around the call (None when it stands alone)."""
    top = None
    for parent in ctx.tree.ancestors(call):
        if isinstance(parent, cst.BooleanOperation) or _is_not(parent):
            top = parent
            continue
        break
    return top


def _operands(node: cst.BaseExpression, operator: type) -> list[cst.BaseExpression]:
    return _chain(node, operator)[0]


def _chain(node: cst.BaseExpression, operator: type) -> tuple[list, list]:
    """The operands of one `and`/`or` chain and the operator tokens between them (they hold the line breaks
    and comments of a multi-line condition, so a rebuilt chain keeps them)."""
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, operator) and not node.lpar:
        left, left_ops = _chain(node.left, operator)
        right, right_ops = _chain(node.right, operator)
        return [*left, *right], [*left_ops, node.operator, *right_ops]
    return [node], []


def _rebuild(operands: list, operators: list) -> cst.BaseExpression:
    result = operands[0]
    for operator, operand in zip(operators, operands[1:]):
        result = cst.BooleanOperation(result, operator, operand)
    return result


def _key(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node.with_changes(lpar=[], rpar=[]) if hasattr(node, "lpar") else node).strip()


def simplify(node: cst.BaseExpression) -> cst.BaseExpression:
    """Drop repeated operands of one `and`/`or` chain and `not not` pairs (the updated, rewritten node)."""
    if _is_not(node):
        inner = simplify(node.expression)
        if _is_not(inner):  # `not (not A)` -> `A`
            result = inner.expression
            return result.with_changes(lpar=node.lpar, rpar=node.rpar) if node.lpar and hasattr(result, "lpar") \
                and not result.lpar else result
        return node if inner is node.expression else node.with_changes(expression=inner)
    if not isinstance(node, cst.BooleanOperation):
        return node
    operator = type(node.operator)
    operands, operators = _chain(node.with_changes(lpar=[], rpar=[]), operator)
    kept, kept_ops, seen, changed = [], [], set(), False
    for index, operand in enumerate(operands):
        simpler = simplify(operand)
        changed |= simpler is not operand
        if _key(simpler) in seen:
            changed = True
            continue
        seen.add(_key(simpler))
        if kept:
            kept_ops.append(operators[index - 1])  # the operator written before this operand
        kept.append(simpler)
    absorbed = _absorb(kept, operator)
    if not changed and all(a is k for a, k in zip(absorbed, kept)):
        return node  # nothing to simplify: the condition stays exactly as written
    result = _rebuild(absorbed, kept_ops)
    if node.lpar and hasattr(result, "lpar") and not result.lpar:
        result = result.with_changes(lpar=node.lpar, rpar=node.rpar)
    return result


def _negation(node: cst.BaseExpression) -> str:
    return _key(node.expression) if _is_not(node) else f"not {_key(node)}"


def _absorb(operands: list, operator: type) -> list:
    """`A or (not A and B)` -> `A or B`, `A and (not A or B)` -> `A and B`: inside an operand that is a chain of
    the other operator, a term whose negation is another operand of this chain can be dropped."""
    other = cst.And if operator is cst.Or else cst.Or
    keys = [_key(o) for o in operands]
    result = []
    for index, operand in enumerate(operands):
        if not (isinstance(operand, cst.BooleanOperation) and isinstance(operand.operator, other)):
            result.append(operand)
            continue
        outer = set(keys[:index] + keys[index + 1:])
        terms, operators = _chain(operand.with_changes(lpar=[], rpar=[]), other)
        keep = [i for i, term in enumerate(terms) if _negation(term) not in outer]
        if not keep or len(keep) == len(terms):
            result.append(operand)
            continue
        remaining = [terms[i] for i in keep]
        chain = _rebuild(remaining, [operators[i - 1] for i in keep[1:]])
        if len(remaining) > 1:
            chain = chain.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        result.append(chain)
    return result


def _evaluate(node: cst.BaseExpression, leaf) -> bool:
    if _is_not(node):
        return not _evaluate(node.expression, leaf)
    if isinstance(node, cst.BooleanOperation):
        left = _evaluate(node.left, leaf)
        if isinstance(node.operator, cst.And):
            return left and _evaluate(node.right, leaf)
        return left or _evaluate(node.right, leaf)
    return leaf(node)


def constant(top: cst.BaseExpression, calls: dict) -> tuple[bool | None, bool | None]:
    """(the value the guard always has after the rewrite, the value it always has under torch.export).

    `calls`: each predicate call inside `top` -> the new predicate's name (its variable in the truth table).
    """
    leaves: list = []

    def collect(node) -> None:  # every leaf, without the short-circuit of evaluation
        if _is_not(node):
            collect(node.expression)
        elif isinstance(node, cst.BooleanOperation):
            collect(node.left)
            collect(node.right)
        elif calls.get(node, _key(node)) not in leaves:
            leaves.append(calls.get(node, _key(node)))

    collect(top)
    predicates = {n for n in calls.values()}
    results, exporting = set(), set()
    for values in itertools.product((False, True), repeat=len(leaves)):
        table = dict(zip(leaves, values))
        value = _evaluate(top, lambda node: table[calls.get(node, _key(node))])
        results.add(value)
        if all(table[name] for name in predicates):  # both is_exporting() and is_compiling() hold under export
            exporting.add(value)
    always = results.pop() if len(results) == 1 else None
    under_export = exporting.pop() if len(exporting) == 1 else None
    return always, under_export
