"""Star imports of modules in the scanned tree are followed statically (timm's create_norm_act.py:
`from .evo_norm import *`, where evo_norm did `import torch`, then `torch.jit.script(layer)`)."""

from __future__ import annotations

import os
import textwrap

from migrate.scan import ScanConfig, scan


def _tree(root, files: dict[str, str]):
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def _found(root, cache_dir=""):
    result = scan([str(root)], ScanConfig(cache_dir=cache_dir))
    assert not result.errors, result.errors
    return sorted((f.path, f.line, f.rule) for f in result.findings)


USER = "from .evo_norm import *\n\ndef create(layer):\n    return torch.jit.script(layer)\n"


def test_relative_star_import_of_a_module_that_imports_torch(tmp_path):
    _tree(tmp_path, {"layers/__init__.py": "", "layers/evo_norm.py": "import torch\nclass EvoNorm: ...\n",
                     "layers/create_norm_act.py": USER})
    assert _found(tmp_path) == [("layers/create_norm_act.py", 4, "TS101")]


def test_absolute_and_chained_star_imports_and_aliases(tmp_path):
    _tree(tmp_path, {
        "src/pkg/__init__.py": "",
        "src/pkg/base.py": "import torch.jit as tj\nfrom torch.jit import trace as _private, script as s\n",
        "src/pkg/mid.py": "from pkg.base import *\n",
        "src/pkg/user.py": "from pkg.mid import *\nm = tj.script(a)\nn = s(a)\np = _private(a, x)\n",
    })
    # `_private` is not exported by a star import (no __all__: public names only)
    assert _found(tmp_path) == [("src/pkg/user.py", 2, "TS101"), ("src/pkg/user.py", 3, "TS101")]


def test_all_limits_what_a_star_import_binds(tmp_path):
    _tree(tmp_path, {
        "m.py": "import torch\n__all__ = ['Model']\nclass Model: ...\n",
        "user.py": "from m import *\ntorch.jit.script(Model())\n",
    })
    assert _found(tmp_path) == []  # `torch` is not in __all__: it is not bound by the star import


def test_not_followed_outside_the_tree_or_into_cycles(tmp_path):
    _tree(tmp_path, {
        "a.py": "from b import *\ntorch.jit.script(x)\n",
        "b.py": "from a import *\n",  # a cycle, and no torch anywhere
        "c.py": "from somewhere_else import *\ntorch.jit.script(x)\n",  # not in the tree: unknown
    })
    assert _found(tmp_path) == []


def test_a_change_in_the_star_imported_module_reaches_the_cached_importer(tmp_path):
    project, cache = tmp_path / "project", str(tmp_path / "cache")
    _tree(project, {"layers/__init__.py": "", "layers/evo_norm.py": "import torch\n", "layers/create_norm_act.py": USER})
    assert _found(project, cache) == [("layers/create_norm_act.py", 4, "TS101")]
    assert _found(project, cache) == [("layers/create_norm_act.py", 4, "TS101")]  # warm
    evo_norm = project / "layers" / "evo_norm.py"
    evo_norm.write_text("x = 1\n")
    os.utime(evo_norm, ns=(1, 1))
    assert _found(project, cache) == []  # the importer was re-analysed although it did not change
