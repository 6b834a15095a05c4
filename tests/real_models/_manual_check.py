"""Verdicts checked by hand with plain torch (no migrate code): `python tests/real_models/_manual_check.py models_kornia ...`.

Each strategy is converted as a user would (script+save+load, trace strict then strict=False, export,
export with Dim.AUTO), run on the example and the check inputs (static programs on the example's
shapes only) and compared with eager by torch.testing.assert_close on the tensors. The expected
verdicts in _expected.py for these four strategies come from this script's output.
"""
import sys, warnings, torch, importlib, inspect
warnings.simplefilter("ignore")
sys.path.insert(0, __import__("os").path.dirname(__file__))
import _packages; _packages.prepare()
from torch.testing import assert_close
from torch.utils._pytree import tree_flatten, tree_map
torch.set_grad_enabled(False)
import migrate
def tensors(o):
    if hasattr(o, "to_tuple"): o = o.to_tuple()
    if isinstance(o, dict): o = tuple(o.values())
    return [x for x in tree_flatten(o)[0] if isinstance(x, torch.Tensor)]
def same(a, e):
    if type(a).__name__ != type(e).__name__ and (isinstance(e, torch.Tensor) or isinstance(a, torch.Tensor)):
        raise AssertionError(f"structure {type(a).__name__} vs {type(e).__name__}")
    ta, te = tensors(a), tensors(e)
    assert len(ta) == len(te), "leaf count"
    for x, y in zip(ta, te): assert_close(x, y)
def shapes(a): return [tuple(x.shape) for x in tree_flatten(a)[0] if isinstance(x, torch.Tensor)]
def verdict(t, run, static):
    inputs = [t.example_inputs] + list(t.check_inputs)
    kw = t.kwargs or {}
    for i, args in enumerate(inputs):
        if static and shapes(args) != shapes(t.example_inputs): continue
        e = t.module(*args, **kw)
        try: a = run(*args, **kw)
        except Exception as exc: return "failed" if i == 0 else "mismatch"
        try: same(a, e)
        except AssertionError as exc: return "mismatch"
    return "ok"
def script(t):
    s = torch.jit.script(t.module); s.save("/tmp/i10m.pt"); return torch.jit.load("/tmp/i10m.pt")
def trace(t):
    try: tr = torch.jit.trace(t.module, t.example_inputs)
    except Exception: tr = torch.jit.trace(t.module, t.example_inputs, strict=False)
    tr.save("/tmp/i10m2.pt"); return torch.jit.load("/tmp/i10m2.pt")
def export(t, strict=False, dyn=False):
    ds = None
    if dyn: ds = tree_map(lambda x: {d: torch.export.Dim.AUTO for d in range(x.dim())}, t.example_inputs)
    args = t.example_inputs
    if dyn: args = tree_map(lambda x: x.expand(2, *x.shape[1:]).clone() if x.shape[0] == 1 else x, args)
    return torch.export.export(t.module, args, strict=strict, dynamic_shapes=ds).module()
files = sys.argv[1:]
for f in files:
    mod = importlib.import_module(f)
    for name, fn in vars(mod).items():
        tname = getattr(fn, "__migrate_target__", None)
        if not tname or fn.__module__ != mod.__name__ or tname in ("hf.Bert+mask", "hf.T5-no-cache"): continue
        t = fn(); row = {}
        for s, make, static in (("jit.script", script, False), ("jit.trace", trace, False), ("export", export, True),
                                ("export.dynamic", lambda t: export(t, dyn=True), False)):
            try: run = make(t)
            except Exception as exc: row[s] = "failed"; continue
            row[s] = verdict(t, run, static)
        print(tname, row, flush=True)
