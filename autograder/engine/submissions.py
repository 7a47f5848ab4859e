"""Submissions: find them, and read a student's notebooks as data.

Everything here treats the submission's files as untrusted: only regular files inside the
submission folder are read (never through a symbolic link, never a FIFO or a device), and sizes
are capped. Whatever is wrong becomes a ``Problem`` of that submission, with a message a student
can act on. Notebooks are never parsed here: the sandbox does that.
"""
import hashlib
import os
import re
import stat
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .. import course as _course
from .results import NOTE_KINDS, Problem

MAX_NOTEBOOK_BYTES = 20 << 20
MAX_SUBMISSION_BYTES = 40 << 20    # all its notebooks together
MAX_FILES = 2000                   # files looked at per submission (fingerprint)


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path


class NoSubmissions(RuntimeError):
    """A path to grade that is not there, or holds no submission."""


def _is_dir(path):
    """A real directory (not a symbolic link to one)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _good_name(name):
    """A student id every exporter can show: valid UTF-8, no control characters."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not re.search(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]", name)


def _has_notebooks(path):
    try:
        return any(e.name.endswith(".ipynb") for e in os.scandir(path))
    except OSError:
        return False


def discover(paths, course=None):
    """Submissions under each PATH: a folder of notebooks (one student), nbgrader's
    ``submitted/<student>/<assignment>/`` layout, or a folder of student folders. Folders that are
    symbolic links are not followed. NoSubmissions if a path is missing or nothing is found."""
    course = course or _course.current()
    found = {}
    for path in map(Path, paths):
        if not path.is_dir():
            raise NoSubmissions(f"{path}: no such folder")
        if _has_notebooks(path):
            name = path.parent.name if path.name == course.assignment else path.name
            found[name] = Submission(name, path)
            continue
        for child in sorted(path.iterdir()):
            if child.name.startswith(".") or not _is_dir(child):
                continue
            if not _good_name(child.name):
                print(f"skipped a folder whose name is not plain text: {child.name.encode(errors='replace')!r}",
                      file=sys.stderr)
                continue
            inner = child / course.assignment
            if _is_dir(inner):
                found[child.name] = Submission(child.name, inner)
            elif _has_notebooks(child):
                found[child.name] = Submission(child.name, child)
    if not found:
        raise NoSubmissions(f"no submissions found in {', '.join(map(str, paths))} (a submission is a folder "
                            f"of the assignment's notebooks, or nbgrader's submitted/<student>/{course.assignment}/)")
    return [found[name] for name in sorted(found)]


def read_file(folder_fd, name, limit):
    """The bytes of a regular file ``name`` in the open folder; (None, Problem kind, why) otherwise."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder_fd)
    except FileNotFoundError:
        return None, "missing", "is missing"
    except OSError as error:
        if error.errno == 40:                               # ELOOP: a symbolic link
            return None, "not_a_file", "is a symbolic link, not a file: hand in the notebook itself"
        return None, "unreadable", f"could not be read ({os.strerror(error.errno)})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not_a_file", "is not a regular file: hand in the notebook itself"
        if info.st_size > limit:
            return None, "too_large", f"is too large ({info.st_size >> 20} MB): clear its outputs and hand it in again"
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            return None, "too_large", "is too large: clear its outputs and hand it in again"
        return b"".join(chunks), None, None
    finally:
        os.close(fd)


# how LMSs, browsers and Jupyter rename a file: "3_sgd-1.ipynb", "1_gradients (1).ipynb", "3_sgd-Copy1.ipynb"
RENAMED = r"^{stem}(?:-\d+| ?\(\d+\)|-Copy\d+)\.ipynb$"


def _renamed(folder_fd, names, notebook):
    """The name under which ``notebook`` was handed in, if renamed (the highest copy number)."""
    pattern = re.compile(RENAMED.format(stem=re.escape(notebook[:-len(".ipynb")])))
    found = [n for n in names if pattern.match(n)]
    return max(found, key=lambda n: [int(d) for d in re.findall(r"\d+", n[len(notebook) - 6:])] or [0]) \
        if found else None


def read(submission, course=None):
    """The submission's notebooks for the sandbox: ([{"name", "data"}], [Problem]); ``data`` is the
    file's bytes (decoded in the sandbox), None when the notebook cannot be used (the Problem says why)."""
    course = course or _course.current()
    notebooks, problems = [], []
    try:
        folder_fd = os.open(submission.path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        why = "is a symbolic link" if error.errno == 40 else f"cannot be opened ({os.strerror(error.errno)})"
        problems.append(Problem("not_a_file", f"the submission folder {why}"))
        return [{"name": nb, "data": None} for nb in course.notebooks], problems
    left = MAX_SUBMISSION_BYTES
    try:
        names = sorted(os.listdir(folder_fd))[:MAX_FILES]
        for notebook in course.notebooks:
            name = notebook
            if notebook not in names:
                name = _renamed(folder_fd, names, notebook) or notebook
            data, kind, why = read_file(folder_fd, name, min(MAX_NOTEBOOK_BYTES, left))
            if kind == "too_large" and left < MAX_NOTEBOOK_BYTES:
                why = f"makes the submission too large ({MAX_SUBMISSION_BYTES >> 20} MB in all): clear the " \
                      "notebooks' outputs and hand them in again"
            left -= len(data or b"")
            if data is None:
                problems.append(Problem(kind, f"{name} {why}", notebook))
                notebooks.append({"name": notebook, "data": None})
                continue
            if name != notebook:
                problems.append(Problem("renamed", f"{notebook} was handed in as {name!r}: graded as {notebook}",
                                        notebook, name))
            notebooks.append({"name": notebook, "data": data})
    finally:
        os.close(folder_fd)
    return notebooks, problems


MAX_DEPTH = 8                      # folder levels looked at (fingerprint)


def fingerprint(submission):
    """Changes when any file of the submission changes (for resuming a batch). Links and
    special files count by their names and sizes only; nothing is followed; at most MAX_FILES
    files, MAX_DEPTH levels deep (the notebooks are at the top)."""
    digest, seen = hashlib.sha256(), 0
    todo = [(os.fsencode(submission.path), b"", 0)]
    while todo and seen < MAX_FILES:
        folder, relative, depth = todo.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_FILES:
                break
            name = relative + entry.name
            digest.update(name + b"\0")
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                if depth < MAX_DEPTH and entry.name != b".ipynb_checkpoints":
                    todo.append((entry.path, name + b"/", depth + 1))
            elif stat.S_ISREG(info.st_mode) and info.st_size <= MAX_NOTEBOOK_BYTES:
                try:
                    with open(entry.path, "rb", opener=lambda p, f: os.open(p, f | os.O_NOFOLLOW | os.O_NONBLOCK)) as f:
                        digest.update(f.read(MAX_NOTEBOOK_BYTES + 1))
                except OSError:
                    digest.update(b"unreadable")
            else:
                digest.update(f"{stat.S_IFMT(info.st_mode)}:{info.st_size}:{info.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=None)
def _given(course):
    tools = course.tools
    return {nb: [[c.cell, c.line, c.source] for c in
                 tools.definitions(str(course.source / nb), select=tools.is_given_cell).chunks]
            for nb in course.notebooks}


def given_chunks(course=None):
    """Per notebook, the read-only code (imports, given helpers), from the source: a student's
    edited or deleted copy of a locked cell never counts (nbgrader restores locked cells too)."""
    return _given(course or _course.current())


def explain_missing(function, broken, problems, course=None):
    """Why a graded function could not be found, in words a student can act on (``broken``:
    function -> why its cell could not be read; ``problems``: the submission's Problems)."""
    course = course or _course.current()
    home = course.graded_by_name[function].notebook
    for problem in problems:
        if problem.notebook == home and problem.kind not in NOTE_KINDS + ("load_error",):
            return problem.message
    if function in broken:
        return f"`{function}` could not be read: {broken[function]}"
    related = [p.message for p in problems if p.notebook == home and p.kind == "load_error"]
    extra = f" (errors while loading {home}: {'; '.join(related)[:300]})" if related else ""
    return f"`{function}` is not defined in {home}: was it renamed, or its cell deleted?{extra}"
