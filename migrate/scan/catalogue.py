"""The rule catalogue (catalogue.toml): loading, lookup by API name, selection by id or prefix, and
which rules `migrate fix` rewrites in which context (fixable.toml, generated from migrate/fix/rewrites)."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

from migrate.scan.model import FIXABLE, SEVERITIES, Rule

JIT_PRIVATE_PREFIX = "torch._C._jit_"
JIT_NAMESPACE = "torch.jit."


@functools.lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    data = tomllib.loads(resources.files("migrate.scan").joinpath("catalogue.toml").read_text("utf-8"))
    rules = []
    for raw in data["rule"]:
        examples = raw.get("examples", {})
        rule = Rule(
            id=raw["id"],
            api=raw["api"],
            category=raw["category"],
            severity=raw["severity"],
            fixable=raw["fixable"],
            replacement=raw["replacement"],
            message=raw["message"],
            recipe=raw["recipe"].strip(),
            before=raw["before"].strip("\n"),
            after=raw["after"].strip("\n"),
            aliases=tuple(raw.get("aliases", ())),
            invalid=tuple(e.strip("\n") + "\n" for e in examples.get("invalid", ())),
            valid=tuple(e.strip("\n") + "\n" for e in examples.get("valid", ())),
            stage=raw.get("stage", "scan"),
        )
        if rule.severity not in SEVERITIES or rule.fixable not in FIXABLE:
            raise ValueError(f"catalogue entry {rule.id}: bad severity or fixable")
        rules.append(rule)
    return tuple(rules)


@functools.lru_cache(maxsize=1)
def _fixable_table() -> dict[str, dict[str, str]]:
    return tomllib.loads(resources.files("migrate.scan").joinpath("fixable.toml").read_text("utf-8"))["fixable"]


def fixable_in(rule_id: str, context: str, owner: str | None = None) -> str:
    """safe | unsafe | none: the rewrite `migrate fix` has for the rule in this match context (`owner`:
    the kind of definition a decorator stands on, "function" or "class")."""
    contexts = _fixable_table().get(rule_id, {})
    return contexts.get(f"{context}:{owner}") or contexts.get(context) or "none"


@functools.lru_cache(maxsize=1)
def _by_api() -> dict[str, Rule]:
    table = {}
    for rule in load_rules():
        for name in (rule.api, *rule.aliases):
            table[name] = rule
    return table


@functools.lru_cache(maxsize=64)
def names_in_module(module: str) -> dict[str, str]:
    """{name: api} for the catalogue names that live directly in ``module`` (what ``from module import *``
    binds that the scanner follows)."""
    names = {}
    for rule in load_rules():
        for api in (rule.api, *rule.aliases):
            if api.startswith(module + ".") and "." not in api[len(module) + 1:]:
                names[api[len(module) + 1:]] = api
    return names


def rule_by_id(rule_id: str) -> Rule:
    for rule in load_rules():
        if rule.id == rule_id:
            return rule
    raise KeyError(rule_id)


def rule_for_api(qualified_name: str) -> tuple[Rule, str] | None:
    """The rule for a fully qualified Python name, with the api name to report, or None.

    `torch._C._jit_pass_inline` matches the prefix rule and is reported with its full name; any other
    `torch.jit.X` matches the catch-all rule. Aliases report the catalogue's canonical api name.
    """
    table = _by_api()
    rule = table.get(qualified_name)
    if rule is not None:
        return rule, rule.api
    if qualified_name.startswith(JIT_PRIVATE_PREFIX) and "." not in qualified_name[len(JIT_PRIVATE_PREFIX):]:
        return table["torch._C._jit_*"], qualified_name
    if qualified_name.startswith(JIT_NAMESPACE):
        rest = qualified_name[len(JIT_NAMESPACE):].split(".")
        # torch.jit.X: a deeper name (torch.jit.X.y) is an attribute of a finding already reported at
        # its prefix; modules such as torch.jit.mobile are namespaces, not APIs.
        if len(rest) == 1 and rest[0] and rest[0] not in _NAMESPACE_MODULES:
            return table["torch.jit.*"], qualified_name
        # torch.jit.<submodule>.X (torch.jit._trace.TopLevelTracedModule, torch.jit._state.disable): the
        # public torch.jit.X's entry where torch.jit re-exports it, else the catch-all with the full name.
        if len(rest) == 2 and rest[0] in _NAMESPACE_MODULES and rest[1]:
            public = table.get(JIT_NAMESPACE + rest[1])
            if public is not None and public.api != "torch.jit.*":
                return public, public.api
            return table["torch.jit.*"], qualified_name
    return None


# Sub-modules of torch.jit that are reached on the way to a real API (torch.jit.mobile._load_...).
_NAMESPACE_MODULES = frozenset({"mobile", "_script", "_trace", "_serialization", "_freeze", "_async", "_fuser",
                                "frontend", "annotations", "quantized", "supported_ops", "unsupported_tensor_ops",
                                "_recursive", "_state", "_builtins", "_check", "_dataclass_impls", "_decompositions",
                                "_ir_utils", "_logging", "_monkeytype_config", "_pickle", "_shape_functions",
                                "_passes", "generate_bytecode", "_decomposition_utils"})


def select_rules(select: tuple[str, ...] = (), ignore: tuple[str, ...] = ()) -> frozenset[str]:
    """Rule ids enabled by --select/--ignore (ids or prefixes such as `TS1`, `TS50`; `ALL` selects all)."""

    def matches(rule_id: str, patterns: tuple[str, ...]) -> bool:
        return any(p == "ALL" or rule_id.startswith(p) for p in patterns)

    ids = [r.id for r in load_rules()]
    enabled = [i for i in ids if not select or matches(i, select)]
    return frozenset(i for i in enabled if not matches(i, ignore))


def unknown_rule_patterns(patterns: tuple[str, ...]) -> list[str]:
    ids = [r.id for r in load_rules()]
    return [p for p in patterns if p != "ALL" and not any(i.startswith(p) for i in ids)]
