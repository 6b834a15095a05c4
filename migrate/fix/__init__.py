"""Codemods from TorchScript to torch.export (`migrate fix`).

    from migrate.fix import suggest, apply
    result = suggest(["src/"])           # FixResult: files (diffs + rewrites), manual, errors, to_dict()
    apply(["src/"], unsafe=False)        # writes the safe rewrites

The rewrites use the scanner's matches (migrate.scan.matches.find_matches). rewrites/ holds one module
per family, each declaring its rewrites (rule, context, safety; TS601's torch.cond finder in cond.py);
transform.py is the pure core (source text in, rewritten text out), api.py runs it over files and
folders, writeback.py reads and writes files atomically. See docs/fix.md.
"""

from migrate.fix.api import apply, suggest
from migrate.fix.transform import fix_source
from migrate.fix.model import FileError, FileFix, FixResult, ManualItem, RewriteRecord

__all__ = ["suggest", "apply", "fix_source", "FixResult", "FileFix", "RewriteRecord", "ManualItem", "FileError"]
