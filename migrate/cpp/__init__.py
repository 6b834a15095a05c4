"""LibTorch C++ reference runners: the TorchScript runner and its AOTInductor successor.

- ``tensor_file``  the runners' input/output file format, read and written from Python
- ``build``        builds cpp_reference/ into a cache folder, reused until sources or torch change
- ``runner``       runs one archive in its C++ runner and reads back latency and outputs
- ``strategy``     what the ``cpp.torchscript`` and ``cpp.aoti`` convert strategies share
- ``cli``          ``migrate cpp build`` and ``migrate cpp run``

Importing this package does not import torch.
"""
