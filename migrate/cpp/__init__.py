"""LibTorch C++ reference runners: the TorchScript runner and its AOTInductor successor.

- ``tensor_file``  the runners' input/output file format, read and written from Python
- ``build``        builds cpp_reference/ into a cache folder, reused until sources or torch change
- ``runner``       runs one archive in its C++ runner executable and reads back latency and outputs
- ``cli``          ``migrate cpp build`` and ``migrate cpp run``

The ``cpp.torchscript`` and ``cpp.aoti`` strategies of ``migrate convert --cpp`` live with the other
strategies (``migrate/convert/strategies/cpp_*.py``, their shared part in ``_cpp.py``) and call
``build`` and ``runner``; nothing here imports the convert stage.

Importing this package does not import torch.
"""
