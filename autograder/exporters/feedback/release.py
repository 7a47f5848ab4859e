"""The feedback pages where ``nbgrader release_feedback`` finds them.

nbgrader pairs feedback with notebooks: ``feedback/<student>/<assignment>/<notebook>.html`` beside the
submission's ``timestamp.txt`` and ``submission_secret.txt``. Our page covers the whole assignment,
so each of a student's submitted notebooks gets a copy of it. A submission collected by
``zip_collect`` (an LMS download) has no secret: one is made (in ``submitted/`` and ``feedback/``),
so that ``release_feedback`` works for the whole class; such students get their page through the
LMS (it is also in the flat folder). Each page shows the gradebook's final score, late penalty
included.
"""
import secrets
import shutil
import tempfile
from pathlib import Path

from ... import course as _course
from ..gradebook import _coursedir, load_config, scores
from .page import write_reports


def late_penalties(root, students, config):
    """{student: {"penalty", "seconds"}} from the course's gradebook ({} if it has none)."""
    try:
        rows = scores(root, config=config, students=students)
    except Exception:  # noqa: BLE001 - no gradebook (yet): pages without penalties
        return {}
    return {s: {"penalty": r["late_penalty"], "seconds": r["seconds_late"]} for s, r in rows.items()}


def release(records, root=None, flat=None, jobs=1):
    """Write every Record's page into nbgrader's feedback folder (and, with ``flat``, also as
    ``flat/<student>.html``). Returns {student: the feedback folder}."""
    records = list(records)
    course = _course.current()
    root = Path(root or course.root)
    config = load_config(root)
    coursedir = _coursedir(root, config)
    late = late_penalties(root, [r.student for r in records], config)
    with tempfile.TemporaryDirectory(prefix="feedback-") as tmp:
        pages = write_reports(records, Path(flat) if flat else Path(tmp), jobs=jobs, late=late)
        found = {}
        for record, page in zip(records, pages):
            submitted = Path(coursedir.format_path(coursedir.submitted_directory, record.student, course.assignment))
            dest = Path(coursedir.format_path(coursedir.feedback_directory, record.student, course.assignment))
            dest.mkdir(parents=True, exist_ok=True)
            handed_in = [nb for nb in course.notebooks if (submitted / nb).is_file()] or list(course.notebooks)
            for notebook in handed_in:
                shutil.copyfile(page, dest / f"{Path(notebook).stem}.html")
            secret = submitted / "submission_secret.txt"
            if submitted.is_dir() and not secret.exists():
                secret.write_text(secrets.token_hex(16))
            for name in ("timestamp.txt", "submission_secret.txt"):
                if (submitted / name).is_file():
                    shutil.copyfile(submitted / name, dest / name)
            found[record.student] = dest
    return found
