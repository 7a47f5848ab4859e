"""Submissions: find them, and read a student's definitions from their notebooks (in the grader,
as data: parsing JSON and Python syntax runs none of their code)."""
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import course


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path


def _has_notebooks(path):
    return any(path.glob("*.ipynb"))


def discover(paths):
    """Submissions under each PATH: a folder of notebooks (one student), nbgrader's
    ``submitted/<student>/<assignment>/`` layout, or a folder of student folders."""
    found = {}
    for path in map(Path, paths):
        if not path.is_dir():
            raise FileNotFoundError(f"{path} is not a folder")
        if _has_notebooks(path):
            name = path.parent.name if path.name == course.ASSIGNMENT else path.name
            found[name] = Submission(name, path)
            continue
        for child in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
            inner = child / course.ASSIGNMENT
            if inner.is_dir():
                found[child.name] = Submission(child.name, inner)
            elif _has_notebooks(child):
                found[child.name] = Submission(child.name, child)
    return [found[name] for name in sorted(found)]


@dataclass(frozen=True)
class Reading:
    """What the grader could read of one submission."""
    notebooks: list          # [{"name": ..., "chunks": [[cell, line, source], ...]}]
    problems: tuple          # notebook-level problems (missing, invalid JSON, syntax errors)
    broken: dict             # function -> problem hiding it


@lru_cache(maxsize=None)
def given_chunks(notebook):
    """The read-only code of a notebook (imports, given helpers), from the source: a student's
    edited or deleted copy of a locked cell never counts (as nbgrader restores locked cells)."""
    tools = course.tools()
    defs = tools.definitions(str(course.SOURCE / notebook), select=tools.is_given_cell)
    return [[c.cell, c.line, c.source] for c in defs.chunks]


def read(submission):
    tools = course.tools()
    notebooks, problems, broken = [], [], {}
    student_cells = lambda cell: not (tools.is_test_cell(cell) or tools.is_given_cell(cell))  # noqa: E731
    for name in course.notebooks():
        defs = tools.definitions(str(submission.path / name), select=student_cells)
        own = [[c.cell, c.line, c.source] for c in defs.chunks]
        notebooks.append({"name": name, "chunks": given_chunks(name) + own if defs.readable else []})
        problems += defs.problems
        broken.update(defs.broken)
    return Reading(notebooks, tuple(problems), broken)


def explain_missing(function, reading, load_errors=()):
    """Why a graded function could not be found, in words a student can act on."""
    home = course.graded_by_name()[function].notebook
    for problem in reading.problems:
        if problem.startswith(home) and ("missing" in problem or "not a valid" in problem):
            return problem
    if function in reading.broken:
        return f"`{function}` could not be read: {reading.broken[function]}"
    related = [e for e in load_errors if e.startswith(home)]
    extra = f" (errors while loading {home}: {'; '.join(related)[:300]})" if related else ""
    return f"`{function}` is not defined in {home}: was it renamed, or its cell deleted?{extra}"


def fingerprint(submission):
    """Changes when any file of the submission changes (for resuming a batch)."""
    import hashlib
    digest = hashlib.sha256()
    for path in sorted(submission.path.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            digest.update(str(path.relative_to(submission.path)).encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
