"""Synthetic submissions: the released notebooks with answers filled in, as a student would.

Used by the tests, the demo class and the benchmark:

    make_submission(dest)                                   # every answer correct
    make_submission(dest, {"adam": entry.source()})         # one answer replaced
    make_submission(dest, {"sgd": None})                    # one answer left as the stub
"""
import json
import re
import shutil
from functools import lru_cache
from pathlib import Path

from .. import course as _course

MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


@lru_cache(maxsize=None)
def correct_answers():
    """Each graded function's solution cell as a student would write it (no nbgrader markers)."""
    answers = {}
    course = _course.current()
    for notebook in course.notebooks:
        with open(course.source / notebook, encoding="utf-8") as f:
            for cell in json.load(f)["cells"]:
                meta = cell.get("metadata", {}).get("nbgrader", {})
                if meta.get("solution") and cell["cell_type"] == "code":
                    answers[meta["grade_id"]] = MARKER.sub("", "".join(cell["source"]))
    return answers


def fill(notebook_json, answers):
    """Put answers into the solution cells (grade_id = function name) of one released notebook."""
    for cell in notebook_json["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution") and grade_id in answers:
            if answers[grade_id] is not None:
                cell["source"] = answers[grade_id]
    return notebook_json


def make_submission(dest, replace=None, release=None):
    """Write a submission folder at ``dest``: the release with correct answers, except ``replace``
    (function -> code, or None to keep the stub). Returns the folder."""
    release = Path(release or _course.current().release)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    answers = dict(correct_answers(), **(replace or {}))
    for path in release.iterdir():
        if path.suffix == ".ipynb":
            with open(path, encoding="utf-8") as f:
                nb = fill(json.load(f), answers)
            with open(dest / path.name, "w", encoding="utf-8") as f:
                json.dump(nb, f, indent=1)
        elif path.is_file():
            shutil.copy(path, dest / path.name)
    return dest
