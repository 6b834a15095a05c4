import textwrap

import pytest

from migrate.scan.analyze import analyze


@pytest.fixture
def findings():
    """Findings of a Python snippet (dedented), as (line, column, rule, api) tuples."""

    def run(source: str, path: str = "snippet.py", language: str = "python"):
        found, error = analyze(textwrap.dedent(source).encode(), path, language)
        assert error is None, error
        return [(f.line, f.column, f.rule, f.api) for f in found]

    return run
