"""Test code that checks TorchScript itself: recognised so that no rewrite makes it vacuous.

A test that scripts or traces a module and compares the result with the eager module would, after
`s = torch.jit.script(m)` -> `s = m`, compare the module with itself; a test that expects
`torch.jit.script(g)` to raise would pass (or fail) for another reason once the call is an export.
So in test code (a `test*` function, a `Test*` class, or a file named like a test):
- a script/trace inside `with self.assertRaises(...)` / `with pytest.raises(...)` (or a lambda passed to
  `assertRaises`) is left alone, reported with the reason;
- a scripted/traced module that is only called or saved is exported with the inputs in scope (the
  trace's own, `example_inputs=`, or the arguments of its first call when they stand before it), so the
  test compares `exported.module()(x)` with eager: what it checked for TorchScript it now checks for
  torch.export; with no such inputs it is left alone and reported;
- a scripted function (export takes modules only) is left alone and reported.
"""

from __future__ import annotations

import os
import re

import libcst as cst

from migrate.fix.rewrites.base import RewriteContext
from migrate.scan.matches import dotted_parts

RAISES = frozenset({"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "raises"})
_TEST_FILE = re.compile(r"(^test_.*|.*_test|^tests?|^conftest)\.py$")
_TEST_CLASS = re.compile(r"^Test|Tests?$")

EXPECTS_RAISE = ("this test expects TorchScript to reject the code (the call stands in {what}): torch.export "
                 "raises for other reasons, or not at all, so a rewrite would make the test pass or fail for "
                 "another reason; keep it while TorchScript is supported, and write the export counterpart "
                 "(what should torch.export refuse?) by hand")
COMPARES = ("in test code `{name}`, the {kind} value, is checked against eager code or the TorchScript "
            "result: as the module itself the test would compare the module with itself (vacuous), and no example "
            "inputs stand before it to export it with (write `torch.export.export(module, inputs).module()` with "
            "the test's inputs), so it is left")
OTHER_INPUTS = ("this test calls `{name}`, the {kind} value, with other inputs than its example (`{call}`): an "
                "exported program is specialised to the example's shapes (it raises on others unless "
                "`dynamic_shapes=` says which dimensions vary), so an export here could fail where the test "
                "passed; write the export with `dynamic_shapes=` by hand, or keep the test while TorchScript is "
                "supported")
FUNCTION = ("this test checks a scripted function: as the plain function it would test the function against "
            "itself, and torch.export takes an nn.Module only; wrap the function in a module and export that "
            "with the test's inputs, or keep the test while TorchScript is supported")


def in_test_code(ctx: RewriteContext, node: cst.CSTNode) -> str | None:
    """`test_pool` (the test function or class) when `node` stands in test code, else None."""
    for parent in ctx.tree.ancestors(node):
        if isinstance(parent, cst.FunctionDef) and parent.name.value.startswith("test"):
            return parent.name.value
        if isinstance(parent, cst.ClassDef) and (_TEST_CLASS.search(parent.name.value) or any(
                (dotted_parts(base.value) or ("",))[-1] == "TestCase" for base in parent.bases)):
            return parent.name.value
    if ctx.path and _TEST_FILE.match(os.path.basename(ctx.path)):
        return os.path.basename(ctx.path)
    return None


def _raises_call(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.Call):
        parts = dotted_parts(expr.func)
        if parts and parts[-1] in RAISES:
            return ".".join(parts)
    return None


def expected_raise(ctx: RewriteContext, node: cst.CSTNode) -> str | None:
    """The `with self.assertRaises(...)` (or `pytest.raises`) that expects `node` to raise, if any."""
    for parent in ctx.tree.ancestors(node):
        if isinstance(parent, cst.With):
            for item in parent.items:
                found = _raises_call(item.item)
                if found:
                    return f"`with {found}(...)`"
        if isinstance(parent, cst.Lambda):
            outer = ctx.tree.parent(ctx.tree.parent(parent))
            found = _raises_call(outer) if outer is not None else None
            if found:
                return f"a lambda passed to `{found}(...)`"
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)):
            return None
    return None
