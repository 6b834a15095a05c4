"""Static scanner: finds TorchScript constructs with libcst, never importing or running the code.

    from migrate.scan import scan
    result = scan(["src/"])          # ScanResult: findings, errors, summary(), to_dict()

Needs no torch.
"""

from migrate.scan.catalogue import load_rules, rule_by_id
from migrate.scan.batch import scan
from migrate.scan.model import FileError, Finding, Rule, ScanConfig, ScanResult

__all__ = ["scan", "ScanConfig", "ScanResult", "Finding", "FileError", "Rule", "load_rules", "rule_by_id"]
