"""nbgrader's ``autograded/<student>/<assignment>/`` folder, which the formgrader reads, written from
our Records as ``nbgrader autograde`` would write it (without running a kernel):

- each submitted notebook with its locked cells restored from the gradebook's source cells and
  their checksums set (as nbgrader's ``OverwriteCells``), a deleted hidden-test cell put back
  after its function's cell, every output of the student's cleared (as nbgrader's
  ``ClearOutput``: an output may be any HTML, a script in the TA's browser session);
- each hidden-test cell's output: that function's per-case report and, as the cell's value, its
  points (what ``nbgrader autograde`` shows for the same cell);
- a notebook that could not be read (missing, not JSON, a link...) becomes the released notebook
  with a first cell saying what was wrong, so a TA can still open it;
- ``timestamp.txt`` and the assignment's helper files beside them; notebooks read-only (444).
"""
import os
import shutil
from pathlib import Path

import nbformat

from .. import course as _course
from ..engine import submissions
from .text import function_report


def _cell_of(gb, grade_id, notebook, assignment):
    from nbgrader.api import MissingEntry
    try:
        return gb.find_source_cell(grade_id, notebook, assignment)
    except MissingEntry:
        return None


def _read(path, name):
    """The student's notebook (a NotebookNode), or None and why not."""
    try:
        folder = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as error:
        return None, f"the submission folder could not be opened ({os.strerror(error.errno)})"
    try:
        data, _, why = submissions.read_file(folder, name, submissions.MAX_NOTEBOOK_BYTES)
    finally:
        os.close(folder)
    if data is None:
        return None, f"{name} {why}"
    try:
        return nbformat.reads(data.decode("utf-8", errors="replace"), as_version=4), None
    except Exception as error:  # noqa: BLE001 - any unreadable file
        return None, f"{name} is not a valid notebook ({type(error).__name__})"


def _grade_id(cell):
    """A cell's nbgrader grade_id, or None (student-controlled metadata: anything else is absent)."""
    meta = cell.get("metadata")
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None


def _test_cell(source_cell, points):
    return nbformat.v4.new_code_cell(source_cell.source, metadata={
        "deletable": False, "editable": False,
        "nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": source_cell.name,
                     "points": points, "checksum": source_cell.checksum, "cell_type": "code", "schema_version": 3}})


def _released(course, notebook, why, graded):
    """The released notebook, with a first cell saying why the student's is not shown."""
    with open(course.release / notebook, encoding="utf-8") as f:
        nb = nbformat.read(f, as_version=4)
    said = "The grader read it and scored it as usual" if graded else "The grader scored its functions 0"
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(
        f"**This notebook could not be {'shown' if graded else 'graded'} as handed in**: {why}. {said}; "
        "below is the released notebook, with the grader's report in each hidden-test cell."))
    return nb


def notebook_for(record, notebook, submitted, gb, course):
    """The autograded copy of one notebook of ``record`` (a NotebookNode)."""
    handed_in = next((p.file for p in record.problems if p.kind == "renamed" and p.notebook == notebook), notebook)
    nb, why = _read(submitted, handed_in)
    if nb is not None:
        try:
            return _restored(nb, record, notebook, gb, course)
        except Exception as error:  # noqa: BLE001 - any notebook a student can write
            return _restored(_released(course, notebook, f"its cells are not as nbgrader writes them "
                                                          f"({type(error).__name__})", True), record, notebook, gb, course)
    return _restored(_released(course, notebook, why, False), record, notebook, gb, course)


def _restored(nb, record, notebook, gb, course):
    """``nb`` as nbgrader's autograde leaves it: outputs cleared, locked cells restored, test cells filled."""
    stem = Path(notebook).stem
    functions = {f.function: f for f in record.functions if f.notebook == notebook}
    seen = set()
    for cell in nb.cells:
        if cell.get("cell_type") == "code":                     # as nbgrader's ClearOutput: the student's
            cell.outputs, cell.execution_count = [], None       # outputs could be any HTML (a <script>)
        grade_id = _grade_id(cell)
        source = _cell_of(gb, grade_id, stem, course.assignment) if grade_id else None
        if source is None:
            if isinstance(cell.get("metadata"), dict) and "nbgrader" in cell.metadata and grade_id is None:
                del cell.metadata["nbgrader"]                   # malformed: not an nbgrader cell at all
            continue
        seen.add(grade_id)
        if cell.cell_type != source.cell_type:                 # as nbgrader: back to the source's type
            cell.cell_type = source.cell_type
            if source.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            else:
                cell.pop("outputs", None)
                cell.pop("execution_count", None)
        if source.locked:
            cell.source = source.source
        cell.metadata.nbgrader["checksum"] = source.checksum
        cell.metadata.nbgrader["locked"] = source.locked
    for name, function in functions.items():                   # put deleted hidden-test cells back
        grade_id = f"test_{name}"
        if grade_id not in seen:
            source = _cell_of(gb, grade_id, stem, course.assignment)
            if source is not None:
                after = next((i for i, c in enumerate(nb.cells) if _grade_id(c) == name), len(nb.cells) - 1)
                nb.cells.insert(after + 1, _test_cell(source, float(function.max_score)))
    return fill(nb, record, notebook)


def fill(nb, record, notebook):
    """Each hidden-test cell of ``notebook``'s functions: its report as output, its points as value
    (what nbgrader's ``SaveAutoGrades`` reads as partial credit)."""
    functions = {f.function: f for f in record.functions if f.notebook == notebook}
    for cell in nb.cells:
        grade_id = _grade_id(cell) or ""
        name = grade_id[len("test_"):] if grade_id.startswith("test_") else None
        if cell.cell_type == "code" and name in functions:
            function = functions[name]
            cell.execution_count = 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout",
                                                   text=function_report(function, record.cases_of(name)) + "\n"),
                            nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(function.score))},
                                                   execution_count=1)]
    return nb


def write(record, coursedir, gb, course=None):
    """Write ``autograded/<student>/<assignment>/`` for one Record; returns the folder."""
    course = course or _course.current()
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, record.student, course.assignment))
    dest = Path(coursedir.format_path(coursedir.autograded_directory, record.student, course.assignment))
    dest.mkdir(parents=True, exist_ok=True)
    for notebook in course.notebooks:
        nb = notebook_for(record, notebook, submitted, gb, course)
        path = dest / notebook
        if path.exists():
            path.unlink()
        with open(path, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.chmod(path, 0o444)
    for helper in course.source.iterdir():                      # as nbgrader: the source's other files
        if helper.is_file() and helper.suffix != ".ipynb":
            shutil.copy(helper, dest / helper.name)
    stamp = submitted / "timestamp.txt"
    if stamp.is_file() and not stamp.is_symlink():
        shutil.copyfile(stamp, dest / "timestamp.txt")
    return dest
