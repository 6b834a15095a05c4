"""torchscript-migrate: move PyTorch code and models from TorchScript to torch.export.

Stages, in the order data flows through them:

- ``migrate.scan``    find TorchScript constructs statically (libcst, no torch needed)
- ``migrate.fix``     codemods that rewrite what can be rewritten safely
- ``migrate.convert`` convert modules with every strategy and compare outputs and latency
- ``migrate.cpp``     LibTorch C++ reference runners (TorchScript and AOTInductor)
- ``migrate.report``  side-by-side reports (terminal, JSON, Markdown, HTML)

Shared by the stages: ``migrate.config`` ([tool.migrate], ScanConfig, the cache folder),
``migrate.cli_common`` (the commands' shared options and progress bar), ``migrate.source_text``
(source decoding, suppression comments, positions: scan and fix), ``migrate.workers`` (worker processes).

Importing this package does not import torch.
"""

__version__ = "0.1.0"


def __getattr__(name):  # lazy: `migrate.target` / `migrate.Target` pull in the converter only when used
    if name in ("target", "Target"):
        from migrate.convert import targets

        return getattr(targets, name)
    raise AttributeError(f"module 'migrate' has no attribute {name!r}")
