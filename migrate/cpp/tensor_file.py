"""The runners' tensor file, read and written from Python (the C++ side is cpp_reference/tensor_file.h).

A list of tensors of several dtypes and shapes (0-d included), little-endian::

    magic    8 bytes  b"TMTENSOR"
    version  u32      1
    count    u32      number of tensors, at most 4096
    per tensor:
      dtype  u8       code from DTYPE_CODES
      ndim   u8       0..16
      pad    u16      0
      dims   i64 * ndim, each >= 0
      nbytes u64      numel * element size
      data   nbytes   C-contiguous; bool bytes are 0 or 1
    nothing after the last tensor

Reading checks every field and raises TensorFileError naming the file, the tensor and the byte offset.
"""

from __future__ import annotations

import ctypes
import math
import struct
import sys
from pathlib import Path
from typing import Sequence

import torch

MAGIC = b"TMTENSOR"
VERSION = 1
MAX_TENSORS = 4096
MAX_DIMS = 16

# Part of the file format: never renumber.
DTYPE_CODES: dict[torch.dtype, int] = {
    torch.bool: 0,
    torch.uint8: 1,
    torch.int8: 2,
    torch.int16: 3,
    torch.int32: 4,
    torch.int64: 5,
    torch.float16: 6,
    torch.bfloat16: 7,
    torch.float32: 8,
    torch.float64: 9,
}
CODE_DTYPES = {code: dtype for dtype, code in DTYPE_CODES.items()}

_HEADER = struct.Struct("<8sII")
_TENSOR_HEADER = struct.Struct("<BBH")
_U64 = struct.Struct("<Q")


class TensorFileError(ValueError):
    """A tensor file that cannot be written or read: the message names the file and the reason."""


def encode(tensors: Sequence[torch.Tensor], name: str = "<tensors>") -> bytes:
    """The bytes of a tensor file holding ``tensors`` (CPU copies, made contiguous)."""
    _require_little_endian()
    if len(tensors) > MAX_TENSORS:
        raise TensorFileError(f"{name}: {len(tensors)} tensors, at most {MAX_TENSORS}")
    parts = [_HEADER.pack(MAGIC, VERSION, len(tensors))]
    for i, tensor in enumerate(tensors):
        if not isinstance(tensor, torch.Tensor):
            raise TensorFileError(f"{name}: item {i} is a {type(tensor).__name__}, not a tensor")
        if tensor.dtype not in DTYPE_CODES:
            raise TensorFileError(f"{name}: tensor {i} has dtype {tensor.dtype}, which the format does not support")
        if tensor.dim() > MAX_DIMS:
            raise TensorFileError(f"{name}: tensor {i} has {tensor.dim()} dimensions, at most {MAX_DIMS}")
        t = tensor.detach().cpu().contiguous()
        nbytes = t.numel() * t.element_size()
        parts.append(_TENSOR_HEADER.pack(DTYPE_CODES[t.dtype], t.dim(), 0))
        parts.append(struct.pack(f"<{t.dim()}q", *t.shape))
        parts.append(_U64.pack(nbytes))
        if nbytes:
            parts.append(ctypes.string_at(t.data_ptr(), nbytes))
    return b"".join(parts)


def decode(data: bytes, name: str = "<tensors>") -> list[torch.Tensor]:
    """The tensors of a tensor file's bytes; raises TensorFileError on anything malformed."""
    _require_little_endian()
    reader = _Reader(data, name)
    if len(data) < len(MAGIC) or data[: len(MAGIC)] != MAGIC:
        reader.fail('not a tensor file (magic "TMTENSOR" missing)')
    _, version, count = reader.unpack(_HEADER, "header")
    if version != VERSION:
        reader.fail(f"unsupported version {version} (this reader knows {VERSION})")
    if count > MAX_TENSORS:
        reader.fail(f"tensor count {count} over the limit of {MAX_TENSORS}")
    tensors = []
    for i in range(count):
        code, ndim, pad = reader.unpack(_TENSOR_HEADER, "dtype")
        if code not in CODE_DTYPES:
            reader.fail(f"tensor {i}: unknown dtype code {code}")
        if ndim > MAX_DIMS:
            reader.fail(f"tensor {i}: {ndim} dimensions, at most {MAX_DIMS}")
        if pad:
            reader.fail(f"tensor {i}: padding bytes are not zero")
        shape = reader.unpack(struct.Struct(f"<{ndim}q"), "dims")
        if any(d < 0 for d in shape):
            reader.fail(f"tensor {i}: negative dimension in shape {list(shape)}")
        dtype = CODE_DTYPES[code]
        expected = math.prod(shape) * dtype.itemsize
        (nbytes,) = reader.unpack(_U64, "nbytes")
        if nbytes != expected:
            reader.fail(f"tensor {i}: nbytes {nbytes} does not match its shape and dtype ({expected})")
        payload = reader.take(nbytes, "tensor data")
        if dtype == torch.bool and payload.strip(b"\x00\x01"):
            reader.fail(f"tensor {i}: bool byte that is neither 0 nor 1")
        tensors.append(_tensor_from_bytes(payload, dtype, shape))
    if reader.remaining:
        reader.fail(f"{reader.remaining} unexpected bytes after the last tensor")
    return tensors


def write_tensors(path: str | Path, tensors: Sequence[torch.Tensor]) -> None:
    path = Path(path)
    data = encode(tensors, str(path))
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise TensorFileError(f"{path}: cannot write: {exc.strerror or exc}") from exc


def read_tensors(path: str | Path) -> list[torch.Tensor]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TensorFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return decode(data, str(path))


def _tensor_from_bytes(payload: bytes, dtype: torch.dtype, shape: tuple[int, ...]) -> torch.Tensor:
    if not payload:
        return torch.empty(shape, dtype=dtype)
    flat = torch.frombuffer(bytearray(payload), dtype=torch.uint8)
    return flat.view(dtype).reshape(shape)


def _require_little_endian() -> None:
    if sys.byteorder != "little":
        raise TensorFileError("tensor files need a little-endian host")


class _Reader:
    """A bounds-checked cursor over a file's bytes."""

    def __init__(self, data: bytes, name: str):
        self.data, self.name, self.pos = data, name, 0

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def take(self, n: int, what: str) -> bytes:
        if n > self.remaining:
            self.fail(f"file ends inside {what} (needs {n} bytes, {self.remaining} left)")
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def unpack(self, layout: struct.Struct, what: str) -> tuple:
        return layout.unpack(self.take(layout.size, what))

    def fail(self, reason: str):
        raise TensorFileError(f"{self.name}: invalid tensor file at byte {self.pos}: {reason}")
