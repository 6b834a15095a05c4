"""The corpus check (`python -m tests.fix.corpus DIR...`) on a small tree: the rewrites it applies leave every
count at 0, and each count does see the defect it names (in text written the way a bad rewrite would)."""

from __future__ import annotations

import ast
import json

from tests.fix import corpus

REPO = {
    "pkg/export.py": ("import torch\n\n\ndef run(model, x):\n    traced = torch.jit.trace(model, (x,))\n"
                      "    traced.save('m.pt')\n    return traced(x)\n"),
    "pkg/serve.py": "import torch\n\n\ndef serve(path):\n    return torch.jit.load(path)\n",
    "pkg/board.py": "import torch\n\n\ndef log(writer, model, im):\n    writer.add_graph(torch.jit.trace(model, im), [])\n",
    "tests/test_pool.py": ("import torch\n\n\ndef test_pool(pool):\n    x = torch.randn(2, 3)\n"
                           "    scripted = torch.jit.script(pool)\n    assert torch.allclose(pool(x), scripted(x))\n"),
}


def test_the_fix_leaves_every_count_at_zero(tmp_path, capsys):
    for path, text in REPO.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    assert corpus.main([f"--diffs={tmp_path / 'diffs'}", str(tmp_path / "pkg"), str(tmp_path / "tests")]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["rewrites"], r["files_changed"]) for r in rows] == [(1, 1), (1, 1)]
    for row in rows:
        assert all(row[k] == 0 for k in ("export_empty", "doubled", "pyflakes", "script_only", "not_compiling",
                                         "second_run", "foreign_load", "script_consumer", "vacuous_test")), row
    assert sorted(p.name for p in (tmp_path / "diffs").iterdir()) == ["pkg__export.py.diff", "tests__test_pool.py.diff"]
    assert (tmp_path / "pkg" / "serve.py").read_text() == REPO["pkg/serve.py"]  # the copy was fixed, not the tree


def test_each_count_sees_its_defect():
    load = ast.parse("import torch\nm = torch.export.load('model.pt2').module()\n")
    assert corpus._foreign_loads(load) == 1
    assert corpus._foreign_loads(ast.parse("torch.export.save(ep, 'model.pt2')\nm = torch.export.load('model.pt2')\n")) == 0
    board = ast.parse("writer.add_graph(torch.export.export(model, (im,)).module(), [])\n")
    assert corpus._script_consumers(board, {1}) == 1 and corpus._script_consumers(board, set()) == 0
    old = "def test_pool(pool, x):\n    scripted = torch.jit.script(pool)\n    assert (pool(x) == scripted(x)).all()\n"
    new = old.replace("torch.jit.script(pool)", "pool")
    assert corpus._vacuous_tests(ast.parse(new), {2}, old, "pool.py") == 1
    assert corpus._vacuous_tests(ast.parse(new.replace("test_pool", "pool_check")), {2}, old, "pool.py") == 0
