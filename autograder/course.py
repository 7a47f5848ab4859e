"""Where things are: the course directory is the repository root (also nbgrader's course root)."""
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(os.environ.get("FITTING_COURSE_ROOT", Path(__file__).resolve().parent.parent))
ASSIGNMENT = "fitting_models"
SOURCE = ROOT / "source" / ASSIGNMENT
RELEASE = ROOT / "assignments" / ASSIGNMENT
SOLUTIONS = ROOT / "solutions" / ASSIGNMENT
TOOLS = "fitting_tools.py"          # the helper module released with the notebooks


@lru_cache(maxsize=None)
def tools():
    """The assignment's own helper module (data, notebook loader, plots), loaded from source/."""
    spec = importlib.util.spec_from_file_location("fitting_tools", SOURCE / TOOLS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules.setdefault("fitting_tools", module)     # the notebooks import it by this name
    return module


@dataclass(frozen=True)
class Graded:
    """A graded function: its home notebook and the points of its hidden-test cell."""
    name: str
    notebook: str
    points: float


def notebooks():
    return sorted(p.name for p in SOURCE.glob("*.ipynb"))


@lru_cache(maxsize=None)
def graded():
    """The graded functions in notebook order, read from the source notebooks' grade cells
    (grade_id ``test_<function>``, with points): one source of truth for names and points."""
    found = []
    for notebook in notebooks():
        with open(SOURCE / notebook, encoding="utf-8") as f:
            cells = json.load(f)["cells"]
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") and meta.get("grade_id", "").startswith("test_"):
                found.append(Graded(meta["grade_id"][len("test_"):], notebook, float(meta["points"])))
    return tuple(found)


def graded_by_name():
    return {g.name: g for g in graded()}
