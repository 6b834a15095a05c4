"""Not imported: this folder goes first on PYTHONPATH under `migrate record` (its sitecustomize.py); a package so that wheels ship it."""
