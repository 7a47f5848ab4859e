"""Collecting an LMS download with ``nbgrader zip_collect``: Canvas, Moodle and Blackboard names.

``LmsCollector`` is nbgrader's ``FileNameCollectorPlugin`` with three things more (the shipped
``nbgrader_config.py`` selects it, with the Canvas pattern):
- the LMS's own ids become the course's ids through a mapping file an instructor has: Canvas's
  gradebook export (columns ``ID`` and ``SIS Login ID`` or ``SIS User ID``), or any CSV with
  columns ``lms_id,student_id``; a file whose id is not in it is skipped with a message naming it
  (never a made-up id);
- timestamps where the LMS gives them (Blackboard: ``2026-11-21-09-30-00``) become ISO timestamps
  (nbgrader would read ``-30-00`` as a time zone);
- a notebook renamed by the LMS, a browser or Jupyter (``3_sgd-1.ipynb``, ``1_gradients (1).ipynb``,
  ``3_sgd-Copy1.ipynb``) keeps its name here; the grader matches it to its notebook and says so.
"""
import csv
import re
from pathlib import Path

from nbgrader.plugins import FileNameCollectorPlugin
from traitlets import Unicode

# <name>_[LATE_]<canvas user id>_<submission id>_<file>: e.g. doejane_LATE_51234_7712345_3_sgd-1.ipynb
CANVAS = r".*/[a-z]+_(?:LATE_)?(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+\.ipynb)$"
# <Full Name>_<participant id>_assignsubmission_file_<file>
MOODLE = r".*/[^/_]+_(?P<student_id>\d+)_assignsubmission_file_(?P<file_id>[^/]+\.ipynb)$"
# <Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>
BLACKBOARD = (r".*/[^/]+_(?P<student_id>[A-Za-z0-9.\-]+)_attempt_(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_"
              r"(?P<file_id>[^/]+\.ipynb)$")


def read_ids(path):
    """{LMS id: course id} from a Canvas gradebook export or an ``lms_id,student_id`` CSV."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    found = {}
    for row in rows:
        lms = (row.get("lms_id") or row.get("ID") or "").strip()
        course = (row.get("student_id") or row.get("SIS Login ID") or row.get("SIS User ID") or "").strip()
        if lms and course:
            found[lms] = course
    return found


class LmsCollector(FileNameCollectorPlugin):
    student_ids = Unicode("lms_students.csv", help="the mapping from LMS ids to the course's student ids "
                          "(relative to the course directory)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        path = Path(self.student_ids)
        self.ids = read_ids(path) if path.is_file() else None
        if self.ids is None:
            self.log.warning("no %s: LMS ids are kept as student ids", self.student_ids)

    def collect(self, submitted_file):
        info = super().collect(submitted_file)
        if not info:
            return info
        if self.ids is not None:
            lms_id = info["student_id"]
            if lms_id not in self.ids:
                self.log.error("skipped %s: no course id for LMS id %s in %s", submitted_file, lms_id, self.student_ids)
                return None
            info["student_id"] = self.ids[lms_id]
        stamp = info.get("timestamp")
        if stamp and re.fullmatch(r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d", stamp):
            day, clock = stamp[:10], stamp[11:].replace("-", ":")
            info["timestamp"] = f"{day}T{clock}"
        return info
