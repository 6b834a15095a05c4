"""Static scanner: finds TorchScript constructs with libcst, never importing or running the code.

    from migrate.scan import scan
    result = scan(["src/"])          # ScanResult: findings, errors, summary(), to_dict()

discover.py picks the files, batch.py scans many (cache, worker processes, rule selection), analyze.py
one file (pure: bytes in, findings out) through prefilter.py, collect.py, resolve.py and matches.py
(the matcher the codemods share) or cpp.py. catalogue.toml holds the rules; fixable.toml, generated
from migrate/fix/rewrites, says which findings `migrate fix` rewrites. Needs no torch.
"""

from migrate.scan.catalogue import load_rules, rule_by_id
from migrate.scan.batch import scan
from migrate.scan.model import FileError, Finding, Rule, ScanConfig, ScanResult

__all__ = ["scan", "ScanConfig", "ScanResult", "Finding", "FileError", "Rule", "load_rules", "rule_by_id"]
