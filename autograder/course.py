"""Where the course is and what it holds.

The course directory is the current directory, as for nbgrader itself: the one whose
``nbgrader_config.py`` you run nbgrader with (its ``CourseDirectory.root`` wins if it sets one),
or ``FITTING_COURSE_ROOT``. It holds ``source/<assignment>/`` (the source notebooks, the only copy
of every reference function, and the helper module released with them) and nbgrader's folders
(``submitted/``, ``autograded/``, ``feedback/``, ``gradebook.db``).

The graded functions and their points are read from the source notebooks' grade cells (grade_id
``test_<function>``): one source of truth. What the assignment's cases and catalogue are lives in
the package named after it (``autograder.fitting_models``).
"""
import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

ASSIGNMENT = "fitting_models"


class NotACourse(RuntimeError):
    """The folder is not a course directory."""


@dataclass(frozen=True)
class Graded:
    """A graded function: its home notebook and the points of its hidden-test cell."""
    name: str
    notebook: str
    points: float


@dataclass(frozen=True)
class Course:
    root: Path
    assignment: str = ASSIGNMENT

    @property
    def source(self):
        return self.root / "source" / self.assignment

    @property
    def release(self):
        return self.root / "assignments" / self.assignment

    @property
    def solutions(self):
        return self.root / "solutions" / self.assignment

    @cached_property
    def content(self):
        """The assignment's own package: cases, catalogue, plots (``autograder.<assignment>``)."""
        return importlib.import_module(f"autograder.{self.assignment}")

    @property
    def tools_path(self):
        return self.source / self.content.TOOLS

    @cached_property
    def tools(self):
        """The helper module released with the notebooks (data, notebook loader, plots), from source/."""
        name = Path(self.content.TOOLS).stem
        spec = importlib.util.spec_from_file_location(name, self.tools_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules.setdefault(name, module)          # the notebooks import it by this name
        return module

    @cached_property
    def notebooks(self):
        return tuple(sorted(p.name for p in self.source.glob("*.ipynb")))

    @cached_property
    def graded(self):
        """The graded functions in notebook order, from the grade cells of the source notebooks."""
        found = []
        for notebook in self.notebooks:
            with open(self.source / notebook, encoding="utf-8") as f:
                cells = json.load(f)["cells"]
            for cell in cells:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if meta.get("grade") and meta.get("grade_id", "").startswith("test_"):
                    found.append(Graded(meta["grade_id"][len("test_"):], notebook, float(meta["points"])))
        return tuple(found)

    @property
    def graded_by_name(self):
        return {g.name: g for g in self.graded}

    @property
    def max_score(self):
        return sum(g.points for g in self.graded)


@lru_cache(maxsize=None)
def _configured_root(folder):
    """CourseDirectory.root of ``folder/nbgrader_config.py``, if it sets one (read once)."""
    from traitlets.config.loader import PyFileConfigLoader
    config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    root = config.get("CourseDirectory", {}).get("root")
    return Path(root) if isinstance(root, str) and root else None


@lru_cache(maxsize=None)
def at(root):
    """The course at ``root``; NotACourse if it holds no source notebooks of the assignment."""
    course = Course(Path(root).resolve())
    if not course.source.is_dir():
        raise NotACourse(f"{course.root} is not a course directory: it has no source/{ASSIGNMENT}/ "
                         f"(run this in the course directory, where nbgrader_config.py is)")
    return course


def current():
    """The course of this process: FITTING_COURSE_ROOT, else the current directory (or the root
    its nbgrader_config.py names), else the nearest folder above it that holds the source (a
    notebook's kernel runs in ``autograded/<student>/<assignment>/`` or ``solutions/<assignment>/``)."""
    root = os.environ.get("FITTING_COURSE_ROOT")
    if not root:
        here = Path.cwd()
        root = (_configured_root(str(here)) if (here / "nbgrader_config.py").is_file() else None) or here
        if not (Path(root) / "source" / ASSIGNMENT).is_dir():
            root = next((p for p in Path(root).resolve().parents if (p / "source" / ASSIGNMENT).is_dir()), root)
    return at(str(root))
