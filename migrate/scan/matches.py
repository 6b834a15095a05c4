"""Find TorchScript constructs in a libcst module.

`find_matches(module)` is the one matcher shared by the scanner and the codemods: it returns a `Match`
per construct, holding the CST node (and its call, decorator owner or statement) so that `migrate fix`
can rewrite exactly what `migrate scan` reports. It never imports or runs the scanned code.

collect.py records the names read and bound in one traversal; resolve.py resolves them once every
scope is complete; this module turns the ones that denote a catalogue API into matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from migrate.scan.catalogue import fixable_in, rule_by_id, rule_for_api
from migrate.scan.collect import Collector, Site, dotted_parts
from migrate.scan.model import Rule
from migrate.scan.resolve import Resolver

__all__ = ["Match", "find_matches", "dotted_parts"]
_NN_MODULE_BASES = ("torch.nn.", "torch.jit.ScriptModule", "torch.jit.RecursiveScriptModule")


@dataclass(frozen=True, eq=False)
class Match:
    """One construct found: what the scanner reports and what the codemods rewrite."""

    rule: Rule
    api: str
    node: cst.CSTNode  # the node reported (its position is the finding's position)
    context: str  # call | decorator | base | isinstance | annotation | reference | class-attribute | comment
    fixable: str  # safe | unsafe | none
    detail: str = ""  # added to the rule's message
    call: cst.Call | None = None  # the call whose function is `node`
    owner: cst.CSTNode | None = None  # FunctionDef/ClassDef of a decorator or base; the statement of an attribute
    top: int = 0  # index of the top-level statement (in module.body) that holds the node

    @property
    def message(self) -> str:
        return f"{self.rule.message}{self.detail}"


def _match_names(names: set[str]):
    """The most specific rule for any of the names (a prefix of a longer name counts: `X.save` of X)."""
    found = []
    for name in sorted(names):
        parts = name.split(".")
        for end in range(len(parts), 2, -1):
            hit = rule_for_api(".".join(parts[:end]))
            if hit is not None:
                found.append(hit)
                break
    return min(found, key=lambda hit: hit[0].id) if found else None


def _detail(rule: Rule, site: Site) -> str:
    if site.context == "isinstance":
        return " (isinstance check)"
    if site.context == "base":
        return " (subclassed)"
    if rule.id == "TS302" and site.call is not None:
        for arg in site.call.args:
            if arg.keyword and arg.keyword.value == "drop":
                return " (drop=True: TorchScript replaced the function with a raising stub)"
    if rule.id == "TS101" and site.context == "decorator" and isinstance(site.owner, cst.ClassDef):
        return " (on a class)"
    return ""


def _owner_kind(owner) -> str | None:
    return "function" if isinstance(owner, cst.FunctionDef) else "class" if isinstance(owner, cst.ClassDef) else None


def _fixable(rule: Rule, context: str, owner=None) -> str:
    """What `migrate fix` offers here: declared next to the rewrites (migrate/fix/rewrites, generated
    into fixable.toml); a context no rewrite covers is "none"."""
    return fixable_in(rule.id, context, _owner_kind(owner) if context == "decorator" else None)


def find_matches(module: cst.Module, star_bindings: dict[str, dict[str, str]] | None = None) -> list[Match]:
    """Every TorchScript construct in the module, in source order of discovery.

    ``star_bindings``: what the file's star imports of tree modules bind (see star_imports.py)."""
    collector = Collector(star_bindings)
    for index, statement in enumerate(module.body):
        collector.top = index
        statement.visit(collector)
    resolver = Resolver()
    matches = []
    for site in collector.sites:
        hit = _match_names(resolver.qualified_names(site.chain))
        if hit is None:
            continue
        rule, api = hit
        matches.append(Match(rule, api, site.node, site.context, _fixable(rule, site.context, site.owner),
                             _detail(rule, site), site.call, site.owner, site.top))
    if collector.class_attributes:
        constants = rule_by_id("TS310")
        is_module = lambda name: name.startswith(_NN_MODULE_BASES)  # noqa: E731
        for local, node, owner, top in collector.class_attributes:
            if resolver.derives_from(local, is_module):
                matches.append(Match(constants, constants.api, node, "class-attribute",
                                     _fixable(constants, "class-attribute"), owner=owner, top=top))
    if collector.type_comments and collector.imports_torch:
        comment_rule = rule_by_id("TS311")
        for comment, owner, top in collector.type_comments:
            matches.append(Match(comment_rule, comment_rule.api, comment, "comment", _fixable(comment_rule, "comment"),
                                 owner=owner, top=top))
    return matches
