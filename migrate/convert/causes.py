"""Classify conversion errors into causes a user can act on, and find the user's source line.

``classify(error_type, message)`` is a pure function over a table of rules; the first rule whose
error type and pattern match wins. The patterns come from messages torch 2.13 really gives on the
fixtures (tests/convert/test_causes.py holds them). ``CAUSES`` lists every cause with its advice.
"""

from __future__ import annotations

import os
import re
import sysconfig
from dataclasses import dataclass

# cause -> what to do about it
CAUSES = {
    "TorchScript submodule": "a submodule is already TorchScript (scripted/traced): export cannot trace through it. "
                             "Build it as a plain nn.Module, or convert the TorchScript program with ts2ep",
    "data-dependent control flow": "an `if`/loop depends on tensor values: use torch.cond, or compute both branches "
                                   "and torch.where, or move the decision out of the model",
    "data-dependent guard": "a shape or value computed from tensor data decides the program: use torch._check, "
                            "torch.cond, or a fixed-size formulation (masks instead of boolean indexing)",
    "dynamic-shape constraint": "the program needs a dimension to be static or related to another: adjust "
                                "dynamic_shapes (Dim ranges) or keep that dimension static",
    "unsupported Python construct": "the tracer or compiler does not support this Python: rewrite the construct",
    "no callable forward": "the scripted module has no callable forward (its forward is overloaded, as in nn.LSTM): "
                           "wrap it in a module whose forward calls it with concrete types",
    "unsupported TorchScript node": "TS2EPConverter cannot convert this TorchScript node (e.g. prim::Loop with a "
                                    "dynamic trip count): export the eager module instead",
    "unsupported operator": "an operator has no implementation for this path: check for a replacement op",
    "output type not supported": "the program returns a type this strategy cannot represent (e.g. List[int]): "
                                 "return tensors",
    "input type not supported": "an input is not a tensor (a bool flag, a None default for an optional tensor): "
                                "make it a tensor or a constant",
    "TorchScript compile error": "torch.jit.script cannot compile this Python: the message names the line",
    "source not available": "torch.jit.script compiles Python from its source and cannot get the source of a function "
                            "it reaches (a library's config class, a generated function): such a model cannot be "
                            "scripted as it is; use torch.export (or jit.trace)",
    "TorchScript type limitation": "TorchScript needs static types: a list whose size it cannot infer (use a tuple "
                                   "or a fixed size), an Optional used as a bool (write `x is not None`); in a "
                                   "library's code this means scripting is not the way: use torch.export",
    "structured output": "the output is an object jit.trace cannot represent (a ModelOutput, a dataclass): return a "
                         "tuple (transformers: `return_dict=False`), or use torch.export, which keeps it",
    "non-tensor object in output": "the output holds an object that is not a tensor nor a registered container (a "
                                   "transformers DynamicCache): build the model with `use_cache=False`, or register "
                                   "the class with torch.utils._pytree.register_pytree_node",
    "archive does not reload": "the program converts and runs in memory, but its saved archive fails to load back: "
                               "what a service deploys (torch.jit.load, torch::jit::load) would fail; the error "
                               "names the type the archive cannot rebuild",
    "other output structure": "the values are equal but the output's structure differs from eager's (e.g. a "
                              "namedtuple where eager returns a tensor): callers must unpack it differently",
    "example strides": "the package was compiled for the example's strides (a non-contiguous tensor): on inputs "
                       "laid out otherwise it gives wrong values or fails: give contiguous example inputs "
                       "(x.contiguous()), or the strides the deployed inputs have",
    "TorchScript interpreter error": "the TorchScript program raised while running",
    "trace check failed": "the traced graph differs when run again: the model has nondeterminism or data-dependent paths",
    "compiler error": "AOTInductor failed to compile the program",
    "wrong on other inputs": "the conversion matches on the example but silently gives other values on other "
                             "inputs: it was specialised to the example (a traced branch, a loop length, a flag "
                             "baked in without a guard)",
    "rejects other inputs": "the conversion raises on inputs eager accepts (a guard on a shape or a flag, an "
                            "unrolled loop's length): loud, but the program is narrower than the model",
    "wrong on the example": "the conversion does not reproduce eager even on the example",
    "torch internal error": "torch failed an internal consistency check on this program: try another strategy, "
                            "or report it to PyTorch with the model",
    "out of memory": "the process ran out of memory",
    "not applicable": "the strategy does not apply to this target",
    "process crashed": "the worker process died (segfault, abort): the log file named in the error has its output",
    "hang or too slow": "no result within --timeout: the conversion hangs or needs a longer --timeout",
    "target error": "the target function raised, or the reference could not run its inputs: fix the targets file "
                    "(the chained error says what failed underneath; the worker log has the traceback)",
    "skipped by user": "left out with --skip",
}


@dataclass(frozen=True)
class Rule:
    cause: str
    pattern: str  # regular expression searched in the message (case-sensitive)
    error_types: tuple[str, ...] = ()  # empty: any type


RULES: tuple[Rule, ...] = (
    Rule("no callable forward", r"'forward' method must be a script method|"
                                r"'RecursiveScriptModule' object has no attribute 'forward'"),
    # export points at TorchScript inside the model (the strategies also check the module itself)
    Rule("TorchScript submodule", r"torch\.jit\.script/freeze modules|inline function marked as skipped|"
                                  r"TS2EPConverter\(mod"),
    Rule("torch internal error", r"INTERNAL ASSERT FAILED|please report a bug to PyTorch|Node\.meta .* is missing|"
                                 r"its data is not allocated yet"),
    Rule("out of memory", r"out of memory|Cannot allocate memory|DefaultCPUAllocator: can't allocate"),
    # a guard on "Eq(u0, 1)" is Python's bool() of a tensor: an `if` on tensor values
    Rule("data-dependent control flow", r"data[- ]dependent (?:branching|control flow)|"
                                        r"Dynamic control flow is not supported|"
                                        r"data-dependent expression (?:Eq|Ne)\(u\d+, [01]\)|"
                                        r"branches' output in torch\.cond|torch\.cond"),
    Rule("non-tensor object in output", r"Found <class '[^']+'> in output|register_pytree_node|not a known type.*pytree|"
                                        r"is not a known type|Cannot flatten .* of type|Encountered unrecognized type .* at output"),
    Rule("source not available", r"Failed to get source for|could not get source code|Can't get source for"),
    Rule("TorchScript type limitation", r"cannot statically infer the expected size of a list|"
                                        r"Could not cast value of type Optional\[.*\] to bool|"
                                        r"is set to type .* in the true branch and type"),
    Rule("structured output", r"Tracer cannot infer type of"),
    Rule("unsupported TorchScript node", r"TS2EPConverter failed for node|Unsupported node kind|unsupported node|"
                                         r"is implemented directly in the interpreter"),
    Rule("data-dependent guard", r"GuardOnDataDependentSymNode|data[- ]dependent|unbacked|"
                                 r"Could not (?:guard|extract specialized integer) on data-dependent"),
    Rule("dynamic-shape constraint", r"Constraints violated|specialized.*(?:dimension|Dim)|"
                                     r"marked .* as dynamic|ConstraintViolationError|dynamic_shapes"),
    Rule("output type not supported", r"Only tensors, lists, tuples of tensors, or dictionary of tensors can be output|"
                                      r"output of traced region did not have observable|"
                                      r"Encountering a dict at the output of the tracer|"
                                      r"Output .*not supported|unsupported output type"),
    Rule("input type not supported", r"Type '.*' cannot be traced|Only tensors .* can be passed as inputs|"
                                     r"argument .* must be .*Tensor|Expected Tensor but got InvalidTag",
         ("RuntimeError", "TypeError", "ValueError")),
    Rule("trace check failed", r"Tracing failed sanity checks|Graphs differed across invocations|"
                                r"Trace had nondeterministic nodes", ("TracingCheckError",)),
    Rule("unsupported operator", r"Unsupported operator|not implemented for|NotImplementedError|"
                                 r"Could not run '.*' with arguments|No kernel|unsupported node|is not supported in|"
                                 r"[Uu]nsupported (?:aten|prim)::"),
    Rule("TorchScript compile error", r"", ("NotSupportedError", "FrontendError", "UnsupportedNodeError")),
    Rule("TorchScript compile error", r"^(?:Expected|Arguments for call are not valid|Unknown type|"
                                      r"Module '.*' has no attribute|Python builtin .* is currently not supported|"
                                      r"Tried to access nonexistent attribute)"),
    Rule("TorchScript interpreter error", r"The following operation failed in the TorchScript interpreter"),
    Rule("unsupported Python construct", r"", ("Unsupported", "UserError", "TorchRuntimeError")),
    Rule("compiler error", r"", ("BackendCompilerFailed", "CppCompileError", "InductorError")),
)


def summary_line(message: str) -> str:
    """The most useful single line of an error message.

    TorchScript interpreter errors put the real error last; fake-tensor errors wrap it in
    ``got RuntimeError("...")``; everything else leads with it.
    """
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].startswith("The following operation failed in the TorchScript interpreter"):
        raised = [line for line in lines if re.match(r"^[\w.]+(?:Error|Exception)\b.*:", line)]
        return raised[-1] if raised else lines[0]
    wrapped = re.search(r'got (\w+(?:Error|Exception))\("(.+?)"\)', str(message))
    if wrapped and lines[0].startswith(("RuntimeError when making fake tensor call", "Dynamo failed to run FX node")):
        return f"{wrapped.group(1)}: {wrapped.group(2).strip()}"
    return lines[0]


MAX_MESSAGE_LINES = 4
MAX_MESSAGE_CHARS = 600


def abbreviate_tensors(text: str) -> str:
    """``tensor([[0.1, ...]])`` (and ``Parameter containing:``) shortened to ``tensor(…)``."""
    out, i = [], 0
    while True:
        start = text.find("tensor(", i)
        if start < 0:
            out.append(text[i:])
            break
        out.append(text[i:start])
        depth, j = 0, start + len("tensor")
        while j < len(text):
            depth += {"(": 1, ")": -1}.get(text[j], 0)
            j += 1
            if depth == 0:
                break
        out.append("tensor(…)")
        i = j
    return "".join(out).replace("Parameter containing:\ntensor(…)", "Parameter(…)")


def message_excerpt(message: str) -> str:
    """The part of a message worth showing: the summary line, then up to 4 non-empty lines in all.

    Multi-line errors (TorchScript's "Comprehension ifs are not supported yet:" then the code) keep
    their first lines; tensors are abbreviated; at most 600 characters.
    """
    text = abbreviate_tensors(str(message))
    first = summary_line(text)
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    if first and lines and lines[0].strip() == first:
        kept = [first] + lines[1:MAX_MESSAGE_LINES]
    else:
        kept = [first]
    excerpt = "\n".join(kept)
    return excerpt if len(excerpt) <= MAX_MESSAGE_CHARS else excerpt[:MAX_MESSAGE_CHARS - 1] + "…"


def classify(error_type: str, message: str) -> str:
    """The cause of an error, from its type name and message (first matching rule; else "other")."""
    for rule in RULES:
        if rule.error_types and error_type not in rule.error_types:
            continue
        if re.search(rule.pattern, message, flags=re.MULTILINE):
            return rule.cause
    return "other"


def hint_for(cause: str) -> str | None:
    """The advice for a cause (None for "other")."""
    return CAUSES.get(cause)


_FILE_LINE = re.compile(r'File "([^"]+)", line (\d+)')
_NOT_USER_DIRS = tuple(
    os.path.realpath(d) + os.sep
    for d in {sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"],
              os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}  # Python, site-packages, this package
)


def is_user_file(path: str) -> bool:
    """A real file outside Python's library, site-packages and this package (never a path inside an archive)."""
    if not path or path.startswith("<") or "site-packages" in path or "dist-packages" in path:
        return False
    return os.path.isfile(path) and not os.path.realpath(path).startswith(_NOT_USER_DIRS)


_TORCH_PACKAGES = ("torch", "torchgen", "functorch", "migrate", "typing_extensions", "_pytest", "pytest", "pluggy")


def library_of(path: str) -> str | None:
    """The installed package a real file belongs to (``transformers``), None for torch, Python and user files."""
    if not path or path.startswith("<") or not os.path.isfile(path):
        return None
    parts = os.path.realpath(path).split(os.sep)
    for marker in ("site-packages", "dist-packages"):
        if marker in parts and parts.index(marker) + 1 < len(parts) - 1:
            package = parts[parts.index(marker) + 1]
            return None if package in _TORCH_PACKAGES else package
    return None


def _shown(path: str) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return path
    return path if rel.startswith("..") else rel


def _line_text(path: str, line: int) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, text in enumerate(f, 1):
                if number == line:
                    return text.strip()
    except OSError:
        pass
    return ""


def _located(path: str, line: int, code: str) -> str:
    return f"{_shown(path)}:{line}: {code}" if code else f"{_shown(path)}:{line}"


def user_source_line(message: str, frames) -> str | None:
    """``file:line: code`` of the user's line the error is about, or None.

    The message wins (TorchScript and export name the line they fail on); else the innermost
    traceback frame in the user's code.
    """
    for path, line in reversed(_FILE_LINE.findall(message)):
        if is_user_file(path):
            return _located(path, int(line), _line_text(path, int(line)))
    for frame in reversed(list(frames or ())):
        if is_user_file(frame.filename):
            return _located(frame.filename, frame.lineno, (frame.line or "").strip())
    return None


def failure_source_line(message: str, frames) -> str | None:
    """The user's line (``user_source_line``), else the innermost line in a library that is not torch.

    A library line is labelled: ``.../modeling_bert.py:120: code (library code: transformers)``.
    Paths inside a TorchScript archive (``code/__torch__/...``) are never shown: no such file exists.
    """
    found = user_source_line(message, frames)
    if found:
        return found
    # the message first (TorchScript names the failing line first, then its callers), then the traceback, innermost first
    candidates = [(path, int(line), None) for path, line in _FILE_LINE.findall(message)]
    candidates += [(frame.filename, frame.lineno, frame.line) for frame in reversed(list(frames or ()))]
    for path, line, code in candidates:
        library = library_of(path)
        if library:
            located = _located(path, line, (code or "").strip() or _line_text(path, line))
            return f"{located} (library code: {library})"
    return None
