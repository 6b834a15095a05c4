"""Shared pieces of the rewrites: how a family declares them, the context they read, small builders.

A rewrite is a function `(match, context) -> Rewrite | Refusal`. It inspects the original tree and
returns edits (functions of the updated node, so that rewrites of nested constructs compose) or a
refusal with the reason; it never edits the tree itself (fix/transform.py applies every edit in one
pass). A family module declares its rewrites in `REWRITES`, a tuple of `Rewriter` (one rule in one
context of the scanner's matches) and `Finder` (a rule the fix stage finds itself, catalogue stage "fix").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import libcst as cst

from migrate.fix.model import Edit, Import, Refusal, Rewrite
from migrate.fix.tree import Tree, dotted
from migrate.scan.matches import Match, dotted_parts


SAFETIES = ("safe", "unsafe")


@dataclass(frozen=True)
class Rewriter:
    """The rewrite of `rule` where the scanner matches it in `context` (Match.context: call, decorator,
    annotation, class-attribute). `safety` is what a scan reports as the finding's `fixable`."""

    rule: str
    context: str
    safety: str
    function: Callable  # (Match, RewriteContext) -> Rewrite | Refusal
    owners: tuple[str, ...] = ()  # a decorator's definition kinds it applies to ("function", "class"); () = any

    def __post_init__(self) -> None:
        if self.safety not in SAFETIES:
            raise ValueError(f"{self.rule} {self.context}: safety must be safe or unsafe")

    @property
    def keys(self) -> tuple[str, ...]:
        """How migrate/scan/fixable.toml names the context: `decorator`, or `decorator:function`."""
        return tuple(f"{self.context}:{owner}" for owner in self.owners) or (self.context,)


@dataclass(frozen=True)
class Finder:
    """A rule the fix stage finds itself (catalogue stage "fix"; the scanner never reports it). It runs in
    files that hold at least one TorchScript finding. `tops(module)`: the top-level statements it reads;
    `find(ctx)`: (node, Rewrite | Refusal) for each construct found."""

    rule: str
    context: str
    safety: str
    tops: Callable[[cst.Module], set[int]]
    find: Callable[["RewriteContext"], Iterable[tuple[cst.CSTNode, object]]]

    @property
    def keys(self) -> tuple[str, ...]:
        return (self.context,)


@dataclass
class RewriteContext:
    """What every rewrite of one file reads: the tree around the matches, all matches of the file."""

    tree: Tree
    matches: list[Match]
    taken: set[str] = field(default_factory=set)  # names given to new functions in this file
    memo: dict = field(default_factory=dict)  # per-file answers shared by rewrites (metadata, value plans)
    path: str = ""  # the file's path as given (tells test files apart)

    def metadata(self):
        """Scopes, parents and positions of the whole module (libcst providers), resolved on first use."""
        if "metadata" not in self.memo:
            from migrate.fix.rewrites.uses import Metadata

            self.memo["metadata"] = Metadata(self.tree.module)
        return self.memo["metadata"]

    def torch(self, match: Match, rest: str) -> tuple[cst.BaseExpression, tuple[Import, ...]]:
        """`<torch>.<rest>` spelled as the user spells torch where the match stands, and the import it needs."""
        prefix, needs_import = self.tree.torch_prefix(match)
        imports = (Import("torch"),) if needs_import else ()
        return dotted(f"{prefix}.{rest}"), imports

    def matches_of(self, *rules: str) -> list[Match]:
        return [m for m in self.matches if m.rule.id in rules]


def head_name(match: Match) -> tuple[str, ...]:
    """The name at the head of the matched chain (its import may become unused once rewritten)."""
    parts = dotted_parts(match.node) if isinstance(match.node, (cst.Name, cst.Attribute)) else None
    return (parts[0],) if parts else ()


def replace(target: cst.CSTNode, build) -> Edit:
    return Edit(target, build)


def remove(target: cst.CSTNode) -> Edit:
    return Edit(target, lambda updated: cst.RemoveFromParent())


def rewrite(safety: str, reason: str, edits, match: Match | None = None, imports=(), notes=()) -> Rewrite:
    return Rewrite(safety, reason, tuple(edits), tuple(imports), tuple(notes),
                   head_name(match) if match is not None else ())


def refuse(reason: str) -> Refusal:
    return Refusal(reason)


def positional(call: cst.Call) -> list[cst.Arg] | None:
    """The positional arguments, or None when a `*args`/`**kwargs` makes them unknowable."""
    if any(arg.star for arg in call.args):
        return None
    return [arg for arg in call.args if arg.keyword is None]


def keywords(call: cst.Call) -> dict[str, cst.Arg]:
    return {arg.keyword.value: arg for arg in call.args if arg.keyword is not None}


def argument(call: cst.Call, index: int, name: str) -> cst.Arg | None:
    """The argument at `index` or passed as `name=`."""
    args = positional(call) or []
    if index < len(args):
        return args[index]
    return keywords(call).get(name)


def bare(arg: cst.Arg) -> cst.Arg:
    """The argument without its keyword and trailing comma (to be placed anew)."""
    return arg.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT, comma=cst.MaybeSentinel.DEFAULT)


def as_keyword(arg: cst.Arg, name: str) -> cst.Arg:
    return arg.with_changes(keyword=cst.Name(name), comma=cst.MaybeSentinel.DEFAULT,
                            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))


def updated_arg(updated_call: cst.Call, original_call: cst.Call, original_arg: cst.Arg) -> cst.Arg:
    """The updated counterpart of one of the original call's arguments (same index)."""
    return updated_call.args[list(original_call.args).index(original_arg)]


def call(func: cst.BaseExpression, *args: cst.Arg) -> cst.Call:
    fixed = [a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args]
    return cst.Call(func, fixed)


def map_args(original: cst.Call, updated: cst.Call, mapping: dict) -> list[cst.Arg]:
    """The updated call's arguments passed through `mapping` {original Arg: f(updated Arg) -> Arg | None};
    arguments not in the mapping, or mapped to None, are dropped. Commas (and the comments and line
    breaks they hold) stay with their arguments, so a multi-line call keeps its layout."""
    kept = []
    for old, new in zip(original.args, updated.args):
        function = mapping.get(old)
        result = function(new) if function is not None else None
        if result is not None:
            kept.append((old, result))
    if kept and kept[-1][0] is not original.args[-1]:  # the last ones were dropped: take over their comma
        old, last = kept[-1]
        kept[-1] = (old, last.with_changes(comma=updated.args[-1].comma))
    return [arg for _, arg in kept]


def renamed(name: str | None):
    """A mapping function that keeps the argument, renaming its keyword when it has one."""
    def function(arg: cst.Arg) -> cst.Arg:
        if arg.keyword is None or name is None:
            return arg
        return arg.with_changes(keyword=cst.Name(name))
    return function



# Where any expression may stand as it is; elsewhere an expression that replaces a call may need parentheses.
_ANY_EXPRESSION = (cst.Arg, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.Return, cst.Expr, cst.Element,
                   cst.DictElement, cst.Annotation)
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.FormattedString,
          cst.ConcatenatedString, cst.List, cst.Dict, cst.Set, cst.ListComp, cst.SetComp, cst.DictComp,
          cst.GeneratorExp, cst.Ellipsis)


def in_place_of(ctx: RewriteContext, call: cst.CSTNode):
    """A function that makes an expression fit where `call` stood: `annotate(T, a + b).f()` -> `(a + b).f()`."""
    parent = ctx.tree.parent(call)
    keep = isinstance(parent, _ANY_EXPRESSION) and not (isinstance(parent, cst.Arg) and parent.star)

    def fit(value: cst.BaseExpression) -> cst.BaseExpression:
        if keep or value.lpar or (isinstance(value, _ATOMS) and not isinstance(value, cst.Tuple)):
            return value
        return value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])

    return fit
