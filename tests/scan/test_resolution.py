"""Names are findings only when they really resolve to torch, however they were imported."""

import pytest


@pytest.mark.parametrize("source", [
    "import torch\ntorch.jit.script(m)\n",
    "import torch as th\nth.jit.script(m)\n",
    "import torch.jit\ntorch.jit.script(m)\n",
    "import torch.jit as jit\njit.script(m)\n",
    "from torch import jit\njit.script(m)\n",
    "from torch import jit as J\nJ.script(m)\n",
    "from torch.jit import script\nscript(m)\n",
    "from torch.jit import script as s\ns(m)\n",
    "from torch.jit._script import script\nscript(m)\n",
    "from torch.jit import *\nscript(m)\n",
    "def f(m):\n    from torch.jit import script\n    return script(m)\n",
    "import torch\njit = torch.jit\njit.script(m)\n",
    "try:\n    from torch.jit import script\nexcept ImportError:\n    def script(f):\n        return f\nscript(m)\n",
    "import torch\ndef outer():\n    def inner(m):\n        return torch.jit.script(m)\n    return inner\n",
    "import torch\nclass A:\n    def f(self, m):\n        return [torch.jit.script(x) for x in m]\n",
    "import torch\nf = lambda m: torch.jit.script(m)\n",
])
def test_resolves_torch_jit_script(findings, source):
    assert [f[2] for f in findings(source)] == ["TS101"]


@pytest.mark.parametrize("source", [
    "def script(m):\n    return m\nscript(1)\n",
    "from torch.jit import script\ndef script(m):\n    return m\nscript(1)\n",
    "class R:\n    def run(self, m):\n        return self.jit.script(m)\n",
    "from mylib import trace\ntrace(m)\n",
    "import numpy as np\nnp.trace(a)\n",
    "x = 'torch.jit.script(m)'\n",
    "# torch.jit.script(m)\nx = 1\n",
    'def f():\n    """Call torch.jit.script(m) here."""\n',
    "import torch\ndef f(torch):\n    return torch.jit.script(1)\n",
    "import torch\ndef f():\n    torch = None\n    return torch.jit.script(1)\n",
    "from torch import jit\ndef f(jit):\n    jit.script(1)\n",
    "import torch\nclass A:\n    torch = None\n    x = torch.jit.script\n",  # class attribute shadows in the class body
    "from torch.jit import script\nf(script=1)\n",  # a keyword name is not a read
    "from torch.jit import script\nclass A:\n    def script(self):\n        pass\n",
    "import torch\n[torch for torch in range(3)][0]\n",
])
def test_not_torch(findings, source):
    assert [f for f in findings(source) if f[2] == "TS101"] == []


def test_class_scope_is_not_visible_from_methods(findings):
    source = """
    import torch
    class A:
        torch = None
        def f(self, m):
            return torch.jit.script(m)
    """
    assert [f[2] for f in findings(source)] == ["TS101"]


def test_global_declaration_reaches_module_scope(findings):
    source = """
    def setup():
        global jit
        from torch import jit
    def run(m):
        return jit.script(m)
    """
    assert [f[2] for f in findings(source)] == ["TS101"]


def test_typing_final_is_not_torch_jit_final(findings):
    assert findings("from typing import Final\nx: Final[int] = 1\n") == []
    assert findings("import typing\nx: typing.Final[int] = 1\n") == []
    assert [f[2] for f in findings("import torch\nx: torch.jit.Final[int] = 1\n")] == ["TS306"]


def test_exact_positions(findings):
    source = "import torch as th\n\n\nclass M(th.nn.Module):\n    def forward(self, x):\n        return th.jit.script(x)\n"
    assert findings(source) == [(6, 16, "TS101", "torch.jit.script")]


def test_positions_with_tabs_and_two_space_indent_and_crlf():
    from migrate.scan.analyze import analyze

    for indent in ("\t", "  "):
        for newline in ("\n", "\r\n"):
            src = newline.join(["import torch", "# filler", "def f(m):", f"{indent}if m:",
                                f"{indent}{indent}return torch.jit.trace(m, x)", ""])
            found, error = analyze(src.encode(), "a.py", "python")
            assert error is None
            assert [(f.line, f.column, f.end_column) for f in found] == [(5, 2 * len(indent) + 8, 2 * len(indent) + 23)]


def test_decorator_context_and_fixability(findings):
    from migrate.scan.analyze import analyze

    src = b"import torch\n@torch.jit.script\ndef f(x):\n    return x\n@torch.jit.script\nclass C:\n    pass\nm = torch.jit.script(f)\n"
    found, _ = analyze(src, "a.py", "python")
    assert [(f.line, f.fixable) for f in found] == [(2, "safe"), (5, "none"), (8, "unsafe")]
    assert "on a class" in found[1].message


def test_ignore_drop_true_is_explained():
    from migrate.scan.analyze import analyze

    found, _ = analyze(b"import torch\n@torch.jit.ignore(drop=True)\ndef f(x):\n    return x\n", "a.py", "python")
    assert [f.rule for f in found] == ["TS302"] and "drop=True" in found[0].message


def test_private_jit_binding_reported_with_full_name(findings):
    assert findings("import torch\ntorch._C._jit_pass_inline(g)\n") == [(2, 1, "TS504", "torch._C._jit_pass_inline")]
    assert findings("import torch\nf = torch._C._jit_flatten\nf(x)\n") == [
        (2, 5, "TS504", "torch._C._jit_flatten"), (3, 1, "TS504", "torch._C._jit_flatten")]


def test_attribute_of_an_api_is_reported_at_the_api(findings):
    assert [f[2:] for f in findings("import torch\nif isinstance(m, (torch.jit.ScriptModule, torch.jit.ScriptFunction)):\n    pass\n")] == [
        ("TS105", "torch.jit.ScriptModule"), ("TS106", "torch.jit.ScriptFunction")]
    assert [f[2] for f in findings("import torch\ntorch.jit.ScriptModule.save(m, 'p')\n")] == ["TS105"]


def test_constants_through_local_base_and_not_elsewhere(findings):
    source = """
    import torch
    class Base(torch.nn.Module):
        pass
    class Child(Base):
        __constants__ = ["a"]
    class Plain:
        __constants__ = ["a"]
    """
    assert [f[2] for f in findings(source)] == ["TS310"]


def test_type_comment_inside_function_only(findings):
    source = """
    import torch
    def f(x, n):  # type: (Tensor, int) -> Tensor
        return x
    def g(x):
        # type: (Tensor) -> Tensor
        return x
    y = 1  # type: (int) -> int
    """
    assert [(f[0], f[2]) for f in findings(source)] == [(3, "TS311"), (6, "TS311")]


def test_statement_prefilter_keeps_what_a_full_parse_finds():
    """The statement-level pre-filter must find exactly what a full parse finds."""
    from migrate.scan import analyze as analyze_module
    from migrate.scan import prefilter

    source = b"""import os
from torch.jit import script as s, ignore
import torch

X = 1; Y = s


class Helper:
    '''docs'''
    def plain(self):
        return os.getcwd()

    @ignore
    def skipped(self):
        return Y(self)


class M(torch.nn.Module):
    __constants__ = ["a"]

    def forward(self, x):
        return x


def use():
    return s(M())
"""
    fast, _ = analyze_module.analyze(source, "a.py", "python")
    original = prefilter.relevant_source
    try:
        analyze_module.prefilter.relevant_source = lambda text: None
        full, _ = analyze_module.analyze(source, "a.py", "python")
    finally:
        analyze_module.prefilter.relevant_source = original
    assert fast == full
    assert [(f.line, f.rule) for f in fast] == [(5, "TS101"), (13, "TS302"), (15, "TS101"), (19, "TS310"), (26, "TS101")]


def test_suppressions(findings):
    source = """
    import torch
    a = torch.jit.script(m)  # migrate: ignore
    b = torch.jit.script(m)  # migrate: ignore[TS1]
    c = torch.jit.script(m)  # migrate: ignore[TS2]
    d = torch.jit.trace(m, x)  # migrate: ignore[TS101, TS102]
    """
    assert [f[0] for f in findings(source)] == [5]
    assert findings("# migrate: ignore-file\nimport torch\ntorch.jit.script(m)\n") == []


@pytest.mark.parametrize("source, expected", [
    # a submodule path to a public torch.jit name reports that name's entry
    ("import torch\nisinstance(m, torch.jit._trace.TopLevelTracedModule)\n", [("TS105", "torch.jit.ScriptModule")]),
    ("from torch.jit._trace import TopLevelTracedModule\nisinstance(m, TopLevelTracedModule)\n",
     [("TS105", "torch.jit.ScriptModule")]),
    ("import torch\nisinstance(m, torch.jit._script.RecursiveScriptModule)\n", [("TS105", "torch.jit.ScriptModule")]),
    # private internals with no entry of their own: the catch-all, with the full name
    ("import torch\ntorch.jit._state.disable()\n", [("TS599", "torch.jit._state.disable")]),
    ("import torch.jit._recursive\ntorch.jit._recursive.create_script_module(m, s)\n",
     [("TS599", "torch.jit._recursive.create_script_module")]),
    ("from torch.jit import annotations\nannotations.get_signature(f, None, None, False)\n",
     [("TS599", "torch.jit.annotations.get_signature")]),
    ("from torch.jit._recursive import ScriptMethodStub\nScriptMethodStub._make(x)\n",
     [("TS599", "torch.jit._recursive.ScriptMethodStub")]),
])  # fmt: skip
def test_private_submodule_paths_resolve(findings, source, expected):
    assert [(f[2], f[3]) for f in findings(source)] == expected
