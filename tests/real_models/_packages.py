"""The third-party packages of the real-model suite: what is installed, and torchvision's CUDA wheel.

torchvision 0.28.0 from the registry is a CUDA build; with the CPU torch its import fails with
"operator torchvision::nms does not exist" unless the ops it registers fake kernels for are
declared first. ``prepare()`` declares them (classifiers work; models that call nms do not) and
sets the offline switches, so nothing is ever downloaded. Importing this module changes nothing.
"""

from __future__ import annotations

import importlib.util
import os

PACKAGES = ("transformers", "timm", "kornia", "torch_geometric", "torchvision")
OPS = ("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
       "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
_libraries: list = []  # a torch.library.Library must stay alive for its definitions to stay


def installed(package: str) -> bool:
    return importlib.util.find_spec(package) is not None


def missing() -> list[str]:
    return [p for p in PACKAGES if not installed(p)]


def prepare() -> None:
    """Offline mode for Hugging Face, and torchvision's ops declared when its wheel lacks them."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if _libraries or not installed("torchvision"):
        return
    import torch

    try:
        torch.ops.torchvision.nms  # noqa: B018 - a CPU wheel registers it on import: nothing to do
        return
    except (AttributeError, RuntimeError):
        pass
    library = torch.library.Library("torchvision", "DEF")
    for schema in OPS:
        library.define(schema)
    _libraries.append(library)
