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


MAX_NOTEBOOK_BYTES = 20 << 20


@lru_cache(maxsize=None)
def given_chunks():
    """Per notebook, the read-only code (imports, given helpers), from the source: a student's
    edited or deleted copy of a locked cell never counts (as nbgrader restores locked cells)."""
    tools = course.tools()
    return {nb: [[c.cell, c.line, c.source] for c in
                 tools.definitions(str(course.SOURCE / nb), select=tools.is_given_cell).chunks]
            for nb in course.notebooks()}


def read(submission):
    """The submission's notebooks as text, for the sandbox to parse (the grader never parses
    student files): [{"name", "text"}], text None with a "problem" if missing or too large."""
    found = []
    for name in course.notebooks():
        path = submission.path / name
        try:
            size = path.stat().st_size
            if size > MAX_NOTEBOOK_BYTES:
                found.append({"name": name, "text": None,
                              "problem": f"{name} is too large ({size >> 20} MB): clear its outputs and hand it in again"})
            else:
                found.append({"name": name, "text": path.read_text(encoding="utf-8", errors="replace")})
        except FileNotFoundError:
            found.append({"name": name, "text": None, "problem": f"{name} is missing"})
        except OSError as error:
            found.append({"name": name, "text": None, "problem": f"{name} could not be read ({error})"})
    return found


def explain_missing(function, loaded):
    """Why a graded function could not be found, in words a student can act on."""
    home = course.graded_by_name()[function].notebook
    loaded = loaded or {}
    for problem in loaded.get("problems", ()):
        if problem.startswith(home) and ("missing" in problem or "not a valid" in problem or "too large" in problem):
            return problem
    broken = loaded.get("broken", {})
    if function in broken:
        return f"`{function}` could not be read: {broken[function]}"
    related = [e for e in loaded.get("errors", ()) if e.startswith(home)]
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
