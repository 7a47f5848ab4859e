"""LMS collection as instructors get it, through the real ``nbgrader zip_collect`` with the course's
configuration (the repository's ``nbgrader_config.py``: ``LmsCollector``, the Canvas pattern,
``lms_students.csv``), plus nbgrader's "zero" late penalty and ``LmsCollector.archive_times``.

A Canvas download (``<lastfirst>_[LATE_]<canvas id>_<attachment id>_<file>``):
- Ada (Canvas 51234 -> ``ada``), on time, every answer right, three notebooks renamed on the way:
  ``1_gradients (1).ipynb`` (a browser's copy), ``2_gradient_descent-Copy1.ipynb`` (Jupyter's copy),
  ``3_sgd-1.ipynb`` (Canvas's name for a resubmitted file);
- Ben (51235 -> ``ben``), ``LATE_``, 27 h after the due date; his zip entries carry a UTC extended
  timestamp while their DOS time is two hours off (a zip written in another time zone);
- Cai (51299), missing from the mapping: skipped, with a message naming the file.
The mapping is Canvas's gradebook export (``ID``, ``SIS Login ID``). A Moodle download ("in
folders": ``<Full Name>_<participant id>_assignsubmission_file_/<file>``) with Moodle's grading
worksheet (``Identifier`` "Participant 880011", ``Username``) brings Dana in.

Proved: submissions land under the course's ids (not Canvas ids or name slugs); each keeps its
time (``timestamp.txt``), so Ben gets nbgrader's late penalty in the gradebook; without
``archive_times`` Ben's file is still collected and the log says that no penalty can apply; after
``python -m autograder grade --gradebook`` the renamed notebooks are graded (Ada 40/40) with a
problem naming the file that was found, and the formgrader's ``autograded/`` copies exist.
"""
import csv
import io
import json
import shutil
import struct
import subprocess
import sys
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder.cycle.commands import Course
from autograder.cycle.fabricate import make_submission
from autograder.cycle.lms import MOODLE

from .helpers import COURSE

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "fitting_models"
MAX = COURSE.max_score
DUE = datetime.now(timezone.utc).replace(microsecond=0, second=0) + timedelta(days=3)
ADA_AT = DUE - timedelta(days=1, seconds=14)                 # even seconds: DOS times have 2 s steps
BEN_AT = DUE + timedelta(hours=27, seconds=7)
DANA_AT = DUE - timedelta(hours=2)
RENAMED = {"1_gradients.ipynb": "1_gradients (1).ipynb", "2_gradient_descent.ipynb": "2_gradient_descent-Copy1.ipynb",
           "3_sgd.ipynb": "3_sgd-1.ipynb"}
CANVAS_EXPORT = ("Student,ID,SIS User ID,SIS Login ID,Section,Fitting models (2041)\n"
                 "    Points Possible,,,,,40.00\n"
                 '"Lovelace, Ada",51234,1001,ada,DS 340,\n'
                 '"Okafor, Ben",51235,1002,ben,DS 340,\n'
                 '"Ruiz, Dana",51236,1004,dana,DS 340,\n')
MOODLE_WORKSHEET = ("Identifier,Full name,Username,Email address,Status,Grade\n"
                    "Participant 880011,Dana Ruiz,dana,dana@example.edu,Submitted for grading,\n")
EXTRA = ("\nc.LateSubmissionPlugin.penalty_method = 'zero'     # a late submission scores 0\n"
         "c.LmsCollector.archive_times = True                # this LMS stamps zip entries with the upload time\n")


def _entry(name, when, utc_extra=False):
    """A zip entry stamped ``when`` (DOS time in UTC), or with a UTC extended timestamp and a DOS
    time two hours ahead (as a zip written at UTC+2)."""
    local = when + timedelta(hours=2) if utc_extra else when
    info = zipfile.ZipInfo(name, date_time=local.timetuple()[:6])
    if utc_extra:
        info.extra = struct.pack("<HHBi", 0x5455, 5, 1, int(when.timestamp()))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _canvas_zip(path, ada, ben, cai):
    with zipfile.ZipFile(path, "w") as zf:
        for i, nb in enumerate(COURSE.notebooks):
            zf.writestr(_entry(f"lovelaceada_51234_{7712300 + i}_{RENAMED.get(nb, nb)}", ADA_AT),
                        (ada / nb).read_bytes())
            zf.writestr(_entry(f"okaforben_LATE_51235_{7712400 + i}_{nb}", BEN_AT, utc_extra=True),
                        (ben / nb).read_bytes())
        zf.writestr(_entry("wencai_51299_7712500_1_gradients.ipynb", ADA_AT), (cai / "1_gradients.ipynb").read_bytes())


def _moodle_zip(path, dana):
    with zipfile.ZipFile(path, "w") as zf:
        for nb in COURSE.notebooks:
            zf.writestr(_entry(f"Dana Ruiz_880011_assignsubmission_file_/{nb}", DANA_AT), (dana / nb).read_bytes())


def _last_log(root):
    return sorted((root / "logs").glob("*.log"))[-1].read_text()


@pytest.fixture(scope="module")
def lms(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lms")
    root = tmp / "course"
    shutil.copytree(REPO / "source", root / "source", ignore=shutil.ignore_patterns("__pycache__", ".*"))
    (root / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text() + EXTRA)
    (root / "students.csv").write_text("id,last_name,first_name,email\nada,Lovelace,Ada,\nben,Okafor,Ben,\n"
                                       "dana,Ruiz,Dana,\n")
    course = Course(root)
    course.run(course.generate_assignment(), course.import_students(root / "students.csv"),
               course.add_assignment(DUE.strftime("%Y-%m-%d %H:%M:%S UTC")), label="setup")

    release = root / "assignments" / ASSIGNMENT
    work = {name: make_submission(tmp / name, replace, release=release)
            for name, replace in (("ada", {}), ("ben", {}), ("cai", {}), ("dana", {"adam": None}))}
    archive = course.archive()
    archive.mkdir(parents=True)
    _canvas_zip(archive / "submissions.zip", work["ada"], work["ben"], work["cai"])
    (root / "lms_students.csv").write_text(CANVAS_EXPORT)
    moodle = root / "downloaded" / ASSIGNMENT / "moodle"
    moodle.mkdir()
    _moodle_zip(moodle / "moodle-download.zip", work["dana"])
    (root / "moodle_worksheet.csv").write_text(MOODLE_WORKSHEET)

    codes = course.run(
        course.command("zip_collect", ASSIGNMENT, "--force"),                      # the course's config: Canvas
        course.command("zip_collect", ASSIGNMENT, "--force", "--ZipCollectApp.archive_directory=moodle",
                       "--ZipCollectApp.extracted_directory=moodle-extracted", f"--LmsCollector.named_regexp={MOODLE}",
                       f"--LmsCollector.student_ids={root / 'moodle_worksheet.csv'}"),
        course.command("zip_collect", ASSIGNMENT, "--force", "--LmsCollector.archive_times=False",
                       "--ZipCollectApp.extracted_directory=extracted-no-times",
                       "--CourseDirectory.submitted_directory=submitted-no-times"),
        label="zip_collect")
    assert codes == [0, 0, 0]
    log = _last_log(root)
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "submitted", "--gradebook", "--jobs", "2"],
                          cwd=root, env=course.env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((root / "grading" / "results.json").read_text())
    return root, log, done, {r["student"]: r for r in results["submissions"]}


def _commands(log):
    """The log of each command of a batch, in order."""
    return log.split("$ nbgrader ")[1:]


def test_submissions_land_under_the_course_ids(lms):
    root, log, _, _ = lms
    assert sorted(p.name for p in (root / "submitted").iterdir()) == ["ada", "ben", "dana"]
    ada = root / "submitted" / "ada" / ASSIGNMENT
    assert sorted(p.name for p in ada.glob("*.ipynb")) == sorted(RENAMED.get(nb, nb) for nb in COURSE.notebooks)
    canvas = _commands(log)[0]
    assert "skipped" in canvas and "wencai_51299_7712500_1_gradients.ipynb" in canvas and "LMS id 51299" in canvas


def _timestamp(root, student, folder="submitted"):
    path = root / folder / student / ASSIGNMENT / "timestamp.txt"
    if not path.exists():
        return None
    when = datetime.fromisoformat(path.read_text().strip())
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)          # nbgrader writes UTC


def test_each_keeps_its_time(lms):
    root, _, _, _ = lms
    assert _timestamp(root, "ada") == ADA_AT
    assert _timestamp(root, "ben") == BEN_AT                       # the UTC extended timestamp, not the DOS time
    assert _timestamp(root, "dana") == DANA_AT


def test_without_archive_times_the_log_says_no_penalty_can_apply(lms):
    root, log, _, _ = lms
    assert _timestamp(root, "ben", "submitted-no-times") is None
    assert (root / "submitted-no-times" / "ben" / ASSIGNMENT / "5_adam.ipynb").is_file()
    assert "is marked LATE by the LMS, but the download holds no submission time" in _commands(log)[2]


def test_renamed_notebooks_are_graded_and_named(lms):
    _, _, done, records = lms
    ada = records["ada"]
    assert ada["score"] == MAX
    renamed = {p["notebook"]: p for p in ada["problems"] if p["kind"] == "renamed"}
    assert {nb: p["file"] for nb, p in renamed.items()} == RENAMED
    for nb, name in RENAMED.items():
        assert repr(name) in renamed[nb]["message"] and nb in renamed[nb]["message"]
    assert records["ben"]["score"] == MAX and not records["ben"]["problems"]


def test_moodle_download(lms):
    _, _, _, records = lms
    dana = records["dana"]
    assert dana["score"] == MAX - COURSE.graded_by_name["adam"].points
    assert next(f for f in dana["functions"] if f["function"] == "adam")["status"] == "not implemented"


def test_the_gradebook_has_nbgrader_late_penalty(lms):
    root, _, _, _ = lms
    from autograder.exporters import gradebook
    rows = gradebook.scores(root)
    assert sorted(rows) == ["ada", "ben", "dana"]
    assert rows["ada"]["score"] == MAX and rows["ada"]["seconds_late"] == 0
    ben = rows["ben"]
    assert ben["seconds_late"] == pytest.approx((BEN_AT - DUE).total_seconds())
    assert ben["raw_score"] == MAX and ben["late_penalty"] == MAX and ben["score"] == 0
    assert rows["dana"]["late_penalty"] == 0
    for student in ("ada", "ben", "dana"):                         # the formgrader's copies, renamed ones too
        assert {p.name for p in (root / "autograded" / student / ASSIGNMENT).glob("*.ipynb")} == set(COURSE.notebooks)


def test_canvas_and_moodle_mappings_are_read():
    from autograder.cycle.lms import read_ids
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        canvas, moodle = Path(tmp) / "c.csv", Path(tmp) / "m.csv"
        canvas.write_text(CANVAS_EXPORT)
        moodle.write_text(MOODLE_WORKSHEET)
        assert read_ids(canvas) == {"51234": "ada", "51235": "ben", "51236": "dana"}       # not "Points Possible"
        assert read_ids(moodle) == {"880011": "dana"}
    rows = list(csv.DictReader(io.StringIO(CANVAS_EXPORT)))
    assert rows[0]["ID"] == ""                                     # the points row has no id
