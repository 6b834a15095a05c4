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
