"""Loading and calling an AOTInductor package (not a strategy: files starting with ``_`` are skipped).

``load_package`` is ``torch._inductor.aoti_load_package`` without its device-information check,
returning a ``PackageRunner``: torch's ``AOTICompiledModel`` with the call specs parsed once.

Why: ``AOTICompiledModel.__call__`` deserialises the input and output tree specs from their JSON
(``pytree.treespec_loads``) and flattens the arguments on every call. At 1 thread on the fixtures'
TransformerEncoder that is about 40 us of a 135 us call (``aoti.tuned``: 135 us through
``AOTICompiledModel``, 94 us through ``loader.boxed_run``), so the latency table would charge the
Python wrapper to the compiled code. ``PackageRunner`` parses the specs when it is loaded, passes
positional tensors straight to ``boxed_run`` when the input spec is a flat tuple of them, and goes
through the same flatten/unflatten as torch otherwise (``tests/convert/test_aoti_runner.py``
checks that both give torch's outputs). It is what a deployment that calls the loader from Python
would write; the C++ runner (``cpp.aoti``) has no wrapper at all.
"""

from __future__ import annotations


def _flat_tensor_tuple(in_spec) -> int | None:
    """The number of positional tensors when ``in_spec`` is ``((t0, ..., tn), {})``, else None."""
    try:
        args_spec, kwargs_spec = in_spec.children()
    except (AttributeError, ValueError, TypeError):
        return None
    if args_spec.type is not tuple or kwargs_spec.type is not dict or kwargs_spec.num_children:
        return None
    if not all(child.is_leaf() for child in args_spec.children()):
        return None
    return args_spec.num_children


def _runner_class():
    from torch.export.pt2_archive._package import AOTICompiledModel
    from torch.utils import _pytree as pytree

    class PackageRunner(AOTICompiledModel):
        """``AOTICompiledModel`` with its call specs parsed once, not on every call."""

        def __init__(self, loader) -> None:
            super().__init__(loader)
            in_spec, out_spec = loader.get_call_spec()
            self._in_spec = pytree.treespec_loads(in_spec)
            self._out_spec = pytree.treespec_loads(out_spec)
            self._positional = _flat_tensor_tuple(self._in_spec)
            self._single_output = self._out_spec.is_leaf()

        def __call__(self, *args, **kwargs):
            import torch

            if (not kwargs and len(args) == self._positional
                    and all(isinstance(a, torch.Tensor) for a in args)):
                flat_outputs = self.loader.boxed_run(list(args))
            else:  # what AOTICompiledModel does, with the parsed specs
                from torch.export.pt2_archive._package import reorder_kwargs

                flat = pytree.tree_flatten((args, reorder_kwargs(kwargs, self._in_spec)))[0]
                flat_outputs = self.loader.boxed_run([x for x in flat if isinstance(x, torch.Tensor)])
            if self._single_output:
                return flat_outputs[0]
            return pytree.tree_unflatten(flat_outputs, self._out_spec)

    return PackageRunner


def load_package(path: str):
    """``aoti_load_package(path)`` without its device-information check, as a ``PackageRunner``.

    That check runs inductor's vector-ISA probe (for each ISA a compile and a subprocess that dlopens
    it: 1.5-4 s of every fresh worker's first load, most of a cache hit's cost) only to log a warning
    when the package was compiled for another CPU, which the cache key (``machine``) already rules out.
    """
    import torch

    try:
        runner = _runner_class()
        loader = torch._C._aoti.AOTIModelPackageLoader(str(path), "model", False, 1, -1)
    except (ImportError, AttributeError, TypeError):  # another torch layout: the public loader
        from torch._inductor import aoti_load_package

        return aoti_load_package(str(path))
    return runner(loader)
