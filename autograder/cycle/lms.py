"""Collecting an LMS download with ``nbgrader zip_collect``: Canvas, Moodle and Blackboard names.

``LmsCollector`` is nbgrader's ``FileNameCollectorPlugin`` with these things more (the shipped
``nbgrader_config.py`` selects it, with the Canvas pattern):
- the LMS's own ids become the course's ids through a mapping file an instructor has: Canvas's
  gradebook export (columns ``ID`` and ``SIS Login ID`` or ``SIS User ID``), Moodle's grading
  worksheet (``Identifier`` "Participant 123", with ``Username`` or ``ID number`` shown), or any CSV
  with columns ``lms_id,student_id``; a file whose id is not in it is skipped with a message naming
  it (never a made-up id);
- timestamps where the LMS gives them in the name (Blackboard: ``2026-11-21-09-30-00``) become ISO
  timestamps (nbgrader would read ``-30-00`` as a time zone); Canvas and Moodle names carry none:
  with ``LmsCollector.archive_times = True`` the time of the file's entry in the downloaded zip is
  used instead (the zip's UTC "extended timestamp" if it has one, else its local time read in
  ``LmsCollector.archive_timezone``): turn it on when your LMS stamps the entries with the upload
  time (``unzip -l download.zip`` shows them), never when they show the time of the download;
- a notebook renamed by the LMS, a browser or Jupyter (``3_sgd-1.ipynb``, ``1_gradients (1).ipynb``,
  ``3_sgd-Copy1.ipynb``) keeps its name here; the grader matches it to its notebook and says so.

Importing this module is cheap (the course's ``nbgrader_config.py`` imports its patterns, and the
grader reads that file to find the course): nbgrader, ~1.5 s to import, is loaded only when
nbgrader itself asks for ``LmsCollector``.
"""
import csv
import os
import re
import struct
import zipfile
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

# <lastfirst>_[LATE_]<canvas user id>_<submission id>_<file>: e.g. doejane_LATE_51234_7712345_3_sgd-1.ipynb
CANVAS = r".*/[^/_]+_(?P<late>LATE_)?(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+\.ipynb)$"
# <Full Name>_<participant id>_assignsubmission_file_<file>, or (downloaded "in folders")
# <Full Name>_<participant id>_assignsubmission_file[_]/<file>
MOODLE = r".*/[^/]+?_(?P<student_id>\d+)_assignsubmission_file_?/?(?P<file_id>[^/]+\.ipynb)$"
# <Assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>
BLACKBOARD = (r".*/[^/]+_(?P<student_id>[A-Za-z0-9.\-]+)_attempt_(?P<timestamp>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)_"
              r"(?P<file_id>[^/]+\.ipynb)$")


def read_ids(path):
    """{LMS id: course id} from a Canvas gradebook export, a Moodle grading worksheet or an
    ``lms_id,student_id`` CSV."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    found = {}
    for row in rows:
        lms = (row.get("lms_id") or row.get("ID") or row.get("Identifier") or "").strip()
        lms = re.sub(r"^Participant\s+", "", lms)                  # Moodle: "Participant 123456"
        course = (row.get("student_id") or row.get("SIS Login ID") or row.get("SIS User ID")
                  or row.get("Username") or row.get("ID number") or "").strip()
        if lms and course:
            found[lms] = course
    return found


@lru_cache(maxsize=8)
def _entries(zip_path, mtime_ns):
    """A zip's entries by name (read once per archive, not once per file)."""
    with zipfile.ZipFile(zip_path) as zf:
        return {info.filename: info for info in zf.infolist()}


def archive_time(zip_path, entry, tz="UTC"):
    """When the zip says ``entry`` was last modified, as an aware datetime (None if not there):
    the UTC "extended timestamp" extra field (0x5455) if present, else the entry's DOS time
    (local time of whoever wrote the zip) read in the time zone ``tz``."""
    from dateutil import tz as tzmod
    try:
        info = _entries(str(zip_path), os.stat(zip_path).st_mtime_ns)[entry]
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    extra = info.extra
    while len(extra) >= 4:
        kind, size = struct.unpack("<HH", extra[:4])
        body, extra = extra[4:4 + size], extra[4 + size:]
        if kind == 0x5455 and len(body) >= 5 and body[0] & 1:
            return datetime.fromtimestamp(struct.unpack("<i", body[1:5])[0], timezone.utc)
    zone = tzmod.gettz(tz) or timezone.utc
    return datetime(*info.date_time, tzinfo=zone)


def _make_collector():
    from nbgrader.plugins import FileNameCollectorPlugin
    from traitlets import Bool, Unicode

    class LmsCollector(FileNameCollectorPlugin):
        """nbgrader's file-name collector with the course's ids, LMS timestamps and renamed files
        (``autograder.cycle.lms``)."""
        student_ids = Unicode("lms_students.csv", help="the mapping from LMS ids to the course's student ids "
                              "(relative to the course directory)").tag(config=True)
        archive_times = Bool(False, help="when the file name carries no time (Canvas, Moodle), use the time "
                             "of the file's entry in the downloaded zip as the submission time (only if "
                             "the LMS stamps entries with the upload time)").tag(config=True)
        archive_timezone = Unicode("UTC", help="the time zone of zip entry times without a UTC extended "
                                   "timestamp").tag(config=True)

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
            late = info.pop("late", None)
            if self.ids is not None:
                lms_id = info["student_id"]
                if lms_id not in self.ids:
                    self.log.error("skipped %s: no course id for LMS id %s in %s", submitted_file, lms_id,
                                   self.student_ids)
                    return None
                info["student_id"] = self.ids[lms_id]
            stamp = info.get("timestamp")
            if stamp and re.fullmatch(r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d", stamp):
                day, clock = stamp[:10], stamp[11:].replace("-", ":")
                info["timestamp"] = f"{day}T{clock}"
            if not info.get("timestamp"):
                info.pop("timestamp", None)
                when = self._archive_time(submitted_file) if self.archive_times else None
                if when is not None:
                    info["timestamp"] = when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")
                elif late:
                    self.log.warning("%s is marked LATE by the LMS, but the download holds no submission time "
                                     "(LmsCollector.archive_times): no late penalty can be applied to %s",
                                     submitted_file, info["student_id"])
            return info

        def _archive_time(self, submitted_file):
            """The zip entry time of an extracted file: zip_collect extracts ``archive/<dir>/<name>.zip``
            into ``extracted/<dir>/<name>/``."""
            app = self.parent
            try:
                extracted = app._format_collect_path(app.extracted_directory)
                archive = app._format_collect_path(app.archive_directory)
            except AttributeError:
                return None
            parts = Path(os.path.relpath(submitted_file, extracted)).parts
            for i in range(len(parts) - 1, 0, -1):
                zip_path = Path(archive, *parts[:i - 1], parts[i - 1] + ".zip")
                if zip_path.is_file():
                    return archive_time(zip_path, "/".join(parts[i:]), self.archive_timezone)
            return None

    LmsCollector.__module__, LmsCollector.__qualname__ = __name__, "LmsCollector"
    return LmsCollector


def __getattr__(name):
    """``LmsCollector`` is built on first use (it needs nbgrader, slow to import)."""
    if name == "LmsCollector":
        cls = globals()["LmsCollector"] = _make_collector()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
