"""The cause classifier on messages torch 2.13 really gave on the fixtures (and a few small probes)."""

import traceback

import pytest

from migrate.convert.causes import CAUSES, RULES, classify, summary_line, user_source_line

FAKE_TENSOR_COND = (
    "RuntimeError when making fake tensor call\n  Explanation: \n\n  from user code: ...\n"
    "got RuntimeError(\"When merging two branches' output in torch.cond,  expected same dim but got 1 and 2.\")\n"
)

# (error type, message, expected cause): each message was observed with torch 2.13.0 on this project's fixtures
OBSERVED = [
    pytest.param("GuardOnDataDependentSymNode",
                 "Could not guard on data-dependent expression Eq(u0, 1) (unhinted: Eq(u0, 1)).  (Size-like symbols: none)",
                 "data-dependent control flow", id="export-if-on-tensor"),
    pytest.param("Unsupported", "Data-dependent branching\n  Explanation: Detected data-dependent branching ...",
                 "data-dependent control flow", id="strict-export-if-on-tensor"),
    pytest.param("TorchRuntimeError", FAKE_TENSOR_COND, "data-dependent control flow", id="ts2ep-cond-branch-shapes"),
    pytest.param("GuardOnDataDependentSymNode",
                 "Could not extract specialized integer from data-dependent expression TruncToInt(zuf0) "
                 "(unhinted: TruncToInt(zuf0)).  (Size-like symbols: none)",
                 "data-dependent guard", id="export-size-from-item"),
    pytest.param("Unsupported", "torch.jit.script/freeze modules unsupported", "TorchScript submodule",
                 id="strict-export-scripted-submodule"),
    pytest.param("Unsupported", "Attempted to inline function marked as skipped", "TorchScript submodule",
                 id="strict-export-traced-submodule"),
    pytest.param("RuntimeError", "TS2EPConverter failed for node prim::Loop", "unsupported TorchScript node",
                 id="ts2ep-dynamic-loop"),
    pytest.param("RuntimeError",
                 "Type 'Tuple[Tensor, bool]' cannot be traced. Only Tensors and (possibly nested) Lists, Dicts, and "
                 "Tuples of Tensors can be traced", "input type not supported", id="trace-bool-input"),
    pytest.param("RuntimeError",
                 "Only tensors, lists, tuples of tensors, or dictionary of tensors can be output from traced functions",
                 "output type not supported", id="trace-list-int-output"),
    pytest.param("RuntimeError", "Expected Tensor but got InvalidTag(337)", "input type not supported",
                 id="ts2ep-none-default-for-optional-tensor"),
    pytest.param("RuntimeError",
                 'input_values.size() == param_count_list.size() INTERNAL ASSERT FAILED at "/__w/pytorch/pytorch/torch/'
                 'csrc/jit/ir/graph_utils.cpp":56, please report a bug to PyTorch.  input_values:28 vs param_count_list:27',
                 "torch internal error", id="ts2ep-defaulted-argument-not-given"),
    pytest.param("SpecViolationError", "Node.meta cond is missing val field.", "torch internal error",
                 id="ts2ep-cond-meta"),
    pytest.param("UserError", "Constraints violated (n)! For more information, run with TORCH_LOGS=\"+dynamic\".",
                 "dynamic-shape constraint", id="export-named-dim-specialised"),
    pytest.param("UserError",
                 "Detected mismatch between the structure of `inputs` and `dynamic_shapes`: `inputs[0]` is a "
                 "<class 'tuple'>, but `dynamic_shapes[0]` is a <class 'dict'>", "dynamic-shape constraint",
                 id="export-dynamic-shapes-structure"),
    pytest.param("RuntimeError", "'forward' method must be a script method", "no callable forward", id="ts2ep-lstm"),
    pytest.param("AttributeError", "'RecursiveScriptModule' object has no attribute 'forward'", "no callable forward",
                 id="script-lstm"),
    pytest.param("NotSupportedError",
                 "Compiled functions can't take variable number of arguments or use keyword-only arguments with defaults:",
                 "TorchScript compile error", id="script-varargs"),
    pytest.param("RuntimeError",
                 "\nArguments for call are not valid.\nThe following variants are available:\n  \n  aten::sum.dim_IntList("
                 "Tensor self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor:\n  Expected a value "
                 "of type 'Tensor' for argument 'self' but instead found type 'List[Tensor]'.",
                 "TorchScript compile error", id="script-builtin-sum"),
    pytest.param("RuntimeError", "[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
                 "memory: you tried to allocate 70368744177664 bytes. Error code 12 (Cannot allocate memory)",
                 "out of memory", id="allocator-refuses"),
    pytest.param("ValueError", "this model refuses to be exported", "other", id="user-error-is-other"),
    # issue 10: real third-party models (transformers 5.23, kornia 0.9, torch_geometric 2.8, torchvision 0.28)
    pytest.param("OSError", "Failed to get source for <function BertConfig.__init__ at 0x7fcf37571e40> using "
                 "inspect.getsource", "source not available", id="hf-script-config-source"),
    pytest.param("RuntimeError", "Tracer cannot infer type of BaseModelOutputWithPastAndCrossAttentions(last_hidden_"
                 "state=tensor([[[0.1]]]), past_key_values=DynamicCache(layers=[DynamicLayer]))\n:Could not infer "
                 "type of list element: Only tensors and (possibly nested) tuples of tensors, lists, or dictsare "
                 "supported as inputs or outputs of traced functions", "structured output", id="hf-trace-modeloutput"),
    pytest.param("RuntimeError", "Found <class 'transformers.cache_utils.DynamicCache'> in output, which is not a "
                 "known type. If this type holds tensors, you need to register a pytree for it.",
                 "non-tensor object in output", id="hf-export-dynamic-cache"),
    pytest.param("Unsupported", "Encountered unrecognized type UserDefinedObjectVariable(DynamicCache) at output 1",
                 "non-tensor object in output", id="hf-strict-export-dynamic-cache"),
    pytest.param("RuntimeError", "cannot statically infer the expected size of a list in this context:\n  File "
                 "\"/site-packages/kornia/geometry/conversions.py\", line 40", "TorchScript type limitation",
                 id="kornia-script-list-size"),
    pytest.param("RuntimeError", "Could not cast value of type Optional[Tensor] to bool:\n  File \"/site-packages/"
                 "torch_geometric/nn/conv/gat_conv.py\", line 374", "TorchScript type limitation",
                 id="pyg-script-optional-bool"),
    pytest.param("RuntimeError", "Type mismatch: edge_index1 is set to type Tensor in the true branch and type "
                 "__torch__.torch_geometric.typing.SparseTensor in the false branch", "TorchScript type limitation",
                 id="pyg-archive-type-mismatch"),
    pytest.param("NotSupportedError", "Comprehension ifs are not supported yet:\n  File \"/site-packages/kornia/"
                 "filters/kernels.py\", line 34", "TorchScript compile error", id="kornia-comprehension-if"),
    pytest.param("RuntimeError", "warn is implemented directly in the interpreter\nWhile executing %warn_default",
                 "unsupported TorchScript node", id="ts2ep-googlenet-warn"),
]


@pytest.mark.parametrize("error_type, message, cause", OBSERVED)
def test_classify_observed_messages(error_type, message, cause):
    assert classify(error_type, message) == cause


def test_every_rule_names_a_documented_cause():
    assert {rule.cause for rule in RULES} <= set(CAUSES)


@pytest.mark.parametrize("message, line", [
    pytest.param("The following operation failed in the TorchScript interpreter.\nTraceback of TorchScript:\n"
                 "  File \"x.py\", line 3\nRuntimeError: select(): index 6 out of range\n<frozen runpy>(198): _run",
                 "RuntimeError: select(): index 6 out of range", id="interpreter-error-is-last-error-line"),
    pytest.param(FAKE_TENSOR_COND, "RuntimeError: When merging two branches' output in torch.cond,  expected same dim "
                 "but got 1 and 2.", id="fake-tensor-wrapped-error"),
    pytest.param("\n\nfirst real line\nsecond", "first real line", id="leading-blank-lines"),
    pytest.param("", "", id="empty"),
])
def test_summary_line(message, line):
    assert summary_line(message) == line


def test_source_line_from_message_names_user_file(tmp_path):
    source = tmp_path / "model.py"
    source.write_text("import torch\n\ndef forward(x):\n    if x.sum() > 0:\n        return x\n")
    message = f'Could not guard\n  File "{source}", line 4, in forward\n    if x.sum() > 0:'
    assert user_source_line(message, []).endswith("model.py:4: if x.sum() > 0:")


def test_source_line_from_innermost_user_frame(tmp_path):
    source = tmp_path / "targets_file.py"
    source.write_text("def boom():\n    raise ValueError('no')\n")
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    try:
        namespace["boom"]()
    except ValueError as exc:
        frames = traceback.extract_tb(exc.__traceback__)
    assert user_source_line("no", frames).endswith("targets_file.py:2: raise ValueError('no')")


def test_source_line_ignores_library_files():
    import torch

    assert user_source_line(f'File "{torch.__file__}", line 10', []) is None


def test_source_line_falls_back_to_the_innermost_library_frame(tmp_path):
    from migrate.convert.causes import failure_source_line

    source = tmp_path / "site-packages" / "fakelib" / "modeling.py"
    source.parent.mkdir(parents=True)
    source.write_text("def forward(x):\n    raise ValueError('inside the library')\n")
    namespace: dict = {}
    exec(compile(source.read_text(), str(source), "exec"), namespace)
    try:
        namespace["forward"](1)
    except ValueError as exc:
        frames = traceback.extract_tb(exc.__traceback__)[1:]  # as in a conversion: no user frame above it
    line = failure_source_line("inside the library", frames)
    assert line.endswith("modeling.py:2: raise ValueError('inside the library') (library code: fakelib)")


def test_source_line_is_never_a_path_inside_an_archive():
    from migrate.convert.causes import failure_source_line

    message = 'Traceback of TorchScript, serialized code:\n  File "code/__torch__/torch_geometric/nn.py", line 98'
    assert failure_source_line(message, []) is None


def test_multi_line_messages_keep_their_first_lines_and_abbreviate_tensors():
    from migrate.convert.causes import message_excerpt

    message = ("Comprehension ifs are not supported yet:\n  File \"/x/kornia/filters/kernels.py\", line 45\n"
               "    return [k for k in ks if k > 0]\n           ~~~~ <--- HERE\nmore\nand more\n")
    assert message_excerpt(message).splitlines() == [
        "Comprehension ifs are not supported yet:", '  File "/x/kornia/filters/kernels.py", line 45',
        "    return [k for k in ks if k > 0]", "           ~~~~ <--- HERE"]
    dumped = "Tracer cannot infer type of BaseModelOutput(last_hidden_state=tensor([[[ 0.1,  0.2],\n  [0.3, 0.4]]]))"
    assert message_excerpt(dumped) == "Tracer cannot infer type of BaseModelOutput(last_hidden_state=tensor(…))"
