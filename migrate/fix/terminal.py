"""Terminal output of `migrate fix`: colored diffs (plain when piped), warnings on unsafe rewrites, summary."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from migrate.fix.model import FixResult

_STYLES = (("+++", "bold"), ("---", "bold"), ("@@", "cyan"), ("+", "green"), ("-", "red"))


def diff_text(diff: str) -> Text:
    text = Text()
    for line in diff.splitlines():
        style = next((s for prefix, s in _STYLES if line.startswith(prefix)), "")
        text.append(line + "\n", style=style)
    return text


def print_result(result: FixResult, console: Console, unsafe: bool) -> None:
    for fix in result.files:
        console.print(diff_text(fix.diff), end="", soft_wrap=True)
        for record in fix.rewrites:
            where = f"{fix.path}:{record.line}:{record.column}"
            if record.safety == "unsafe":
                console.print(Text.assemble(("warning: ", "yellow bold"), f"{where} {record.rule} {record.api} is an "
                                            f"unsafe rewrite: {record.reason}"))
        console.print()
    if result.manual:
        console.print(Text(f"Left for a human ({len(result.manual)}):", style="bold"))
        recipes = {}
        for item in result.manual:
            console.print(Text(f"  {item.path}:{item.line}:{item.column} {item.rule} {item.api}: {item.reason}"))  # no markup: `out[mask]`
            recipes.setdefault((item.rule, item.api), item.recipe)
        console.print(Text("Recipes:", style="bold"))
        for (rule, api), recipe in sorted(recipes.items()):
            console.print(Text.assemble(f"  {rule} {api}: ", (" ".join(recipe.split()), "dim")))
        console.print()
    for error in result.errors:
        console.print(Text.assemble(("error: ", "red bold"), f"{error.path}: {error.reason}"))
    summary = result.summary()
    verb = "changed" if result.applied else "would change"
    by_rule = ", ".join(f"{rule} {count}" for rule, count in summary["by_rule"].items())
    console.print(Text(f"{summary['rewrites']} rewrite{'s' * (summary['rewrites'] != 1)} {verb} "
                       f"{summary['files_changed']} file{'s' * (summary['files_changed'] != 1)}"
                       + (f" ({by_rule})" if by_rule else "") + f"; {summary['manual']} left for a human; "
                       f"{len(result.errors)} error{'s' * (len(result.errors) != 1)}", style="bold"))
    skipped = sum(1 for item in result.manual if item.reason.startswith("unsafe rewrite not applied"))
    if skipped and not unsafe:
        console.print(f"{skipped} unsafe rewrite{'s' * (skipped != 1)} available with --unsafe (read the warnings).")
    if result.files and not result.applied:
        console.print("Nothing was written: run again with --apply to write these changes.")
