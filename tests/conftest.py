"""Test-wide set-up: nbgrader runs `alembic` as a subprocess when it creates a gradebook, so the
virtualenv's bin/ must be on PATH even when pytest is started as .venv/bin/python -m pytest."""
import os
import sys

os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
