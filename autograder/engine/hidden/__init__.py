"""The hidden tests: real pytest tests, one per graded function, one parametrized case per hidden
case, generated from the assignment's cases (no registry of function names to keep).

    python -m autograder pytest SUBMISSION [-k adam] [-x] [-v] [--lf] [-q]

runs them on one submission with pytest's own collection and reporting (so does
``python -m pytest -c autograder/engine/hidden/pytest.ini autograder/engine/hidden --submission=DIR``,
through ``conftest.py``); the batch grader
(``autograder.engine.grading``) collects them once and runs the same test functions for every
submission (``plugin.GradingSession``).
"""
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run(*extra, cache=None, plugins=()):
    """Run pytest on the hidden tests: their own ini file and rootdir, no conftest.py from anywhere
    (a submission folder may hold one: it is never loaded), ``plugin.py`` passed in as an object;
    ``cache``: a folder for pytest's cache (``--lf``), or None for none. Returns pytest's exit code."""
    import pytest
    from . import plugin
    found = ["-c", str(HERE / "pytest.ini"), "--rootdir", str(HERE), "--noconftest", str(HERE / "test_hidden.py")]
    found += ["-o", f"cache_dir={cache}"] if cache else ["-p", "no:cacheprovider"]
    return pytest.main(found + list(extra), plugins=[plugin, *plugins])
