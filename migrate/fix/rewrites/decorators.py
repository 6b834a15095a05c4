"""Decorators that only meant something to TorchScript: removed.

Safe: @torch.jit.script on a plain function (it stays eager Python, traced by torch.export when a model
calls it) and @torch.jit.script_if_tracing. Unsafe: @torch.jit.export, @torch.jit.ignore and
@torch.jit.unused, because the decorated code now runs (or is no longer reachable) under torch.export.
"""

from __future__ import annotations

from migrate.fix.rewrites import flags, testcode
from migrate.fix.rewrites.base import Rewriter, RewriteContext, refuse, remove, rewrite
from migrate.fix.tree import decorator_of
from migrate.scan.matches import Match

REASONS = {
    "TS101": ("safe", "the function stays eager Python; torch.export and torch.compile trace it when a model calls it"),
    "TS108": ("safe", "script_if_tracing only changed what torch.jit.trace did with the function"),
    "TS301": ("unsafe", "torch.export exports forward only: check who called this method on the scripted module "
                        "and export it through a wrapper module whose forward calls it"),
    "TS302": ("unsafe", "torch.export traces this method's Python: check that it is traceable, or keep it out of "
                        "forward"),
    "TS303": ("unsafe", "TorchScript replaced this method with a raising stub; now its code runs and is traced: check "
                        "that the call path is wanted"),
}
DROP_REASON = ("unsafe", "with drop=True TorchScript replaced this method with a raising stub; now its code runs and is "
                         "traced: check that the call path is wanted")


def remove_decorator(match: Match, ctx: RewriteContext):
    decorator = decorator_of(match)
    if decorator is None:
        return refuse("decorator not found on its definition")
    expected = testcode.expected_raise(ctx, match.owner) if match.rule.id == "TS101" else None
    if expected is not None:  # the test expects scripting the function to raise: without it nothing would
        return refuse(testcode.EXPECTS_RAISE.format(what=expected))
    safety, reason = REASONS[match.rule.id]
    if match.rule.id == "TS302" and match.call is not None and any(
            arg.keyword is not None and arg.keyword.value == "drop" for arg in match.call.args):
        safety, reason = DROP_REASON
    if match.rule.id == "TS301":
        note = flags.exported_method_note(ctx, decorator)  # what forward reads that the method sets, bool flags
        reason += f"; {note}" if note else ""
    # Comment lines written just above the decorator move above the definition.
    notes = tuple((match.owner, line.comment.value)
                  for line in decorator.leading_lines if line.comment is not None)
    return rewrite(safety, reason, [remove(decorator)], match, notes=notes)


# A scripted class needs a human (its methods are compiled too): TS101's decorator rewrite is for functions.
REWRITES = tuple(Rewriter(rule, "decorator", safety, remove_decorator, ("function",) if rule == "TS101" else ())
                 for rule, (safety, _) in REASONS.items())
