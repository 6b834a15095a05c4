"""`migrate rules [RULE...] [--format table|markdown|json]`: the rule catalogue.

`rules_markdown()` also generates docs/rules.md and the rule table of the README (a test keeps both
in step with catalogue.toml).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from migrate.scan.catalogue import load_rules


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("rules", nargs="*", metavar="RULE", help="rule ids or prefixes (default: all)")
    parser.add_argument("--format", "-f", choices=("table", "markdown", "json"), default="table")


def _selected(patterns) -> list:
    rules = load_rules()
    return [r for r in rules if not patterns or any(r.id.startswith(p) for p in patterns)]


def rule_table_markdown() -> str:
    lines = ["| rule | API | severity | fix | replacement |", "|---|---|---|---|---|"]
    for r in load_rules():
        lines.append(f"| [{r.id}](docs/rules.md#{r.id.lower()}) | `{r.api}` | {r.severity} | {r.fixable} | "
                     f"{r.replacement.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def rules_markdown(rules=None) -> str:
    rules = load_rules() if rules is None else rules
    out = ["# Rules", "", "Generated from `migrate/scan/catalogue.toml` by `migrate rules --format markdown`; "
           "do not edit by hand.", "",
           "Rule ids are stable: TS1xx compiling, TS2xx serialising and deploying, TS3xx annotations and "
           "decorators, TS4xx runtime predicates and async, TS5xx fusers and internals, TS6xx control flow "
           "(found by `migrate fix`), TS9xx C++.", ""]
    for r in rules:
        lang = "cpp" if r.language == "cpp" else "python"
        out += [f"## {r.id}", "", f"`{r.api}` · {r.category} · severity **{r.severity}** · rewrite: **{r.fixable}**",
                "", f"{r.message}.", "", f"**Replacement:** {r.replacement}.", "", r.recipe, "",
                "Before:", "", f"```{lang}", r.before, "```", "", "After:", "", f"```{lang}", r.after, "```", ""]
        if r.aliases:
            out += [f"Also matched through: {', '.join(f'`{a}`' for a in r.aliases)}.", ""]
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    rules = _selected(args.rules)
    if not rules:
        print(f"no rule matches {' '.join(args.rules)}", file=sys.stderr)
        return 2
    if args.format == "json":
        sys.stdout.write(json.dumps([{k: v for k, v in asdict(r).items() if k not in ("invalid", "valid")}
                                     for r in rules], indent=2) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(rules_markdown(rules))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="torchscript-migrate rules", title_justify="left")
        for column in ("rule", "API", "severity", "fix", "replacement"):
            table.add_column(column)
        for r in rules:
            table.add_row(r.id, r.api, r.severity, r.fixable, r.replacement)
        Console().print(table)
        if len(rules) == 1:
            r = rules[0]
            Console().print(f"\n{r.recipe}\n\n[bold]Before[/]\n{r.before}\n\n[bold]After[/]\n{r.after}", highlight=False)
    return 0
