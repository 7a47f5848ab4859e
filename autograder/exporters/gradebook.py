"""Record the grader's results in nbgrader's ``gradebook.db``, so ``nbgrader export``, the formgrader
and late penalties work on our scores.

    record(records, root)          # Records from autograder.engine.grading.grade(...)
    scores(root)                   # read them back: {student: {...}}

How the hidden tests map onto grade cells
-----------------------------------------
Each graded function has exactly one grade cell in the source notebooks: the locked hidden-test cell
with ``grade_id = test_<function>`` and the function's points (``autograder.course`` reads them from
there; ``nbgrader generate_assignment`` stores the same cells in the gradebook). The grader runs
several hidden cases per function, their points splitting the function's; the function's score
(``FunctionResult.score``) becomes that grade cell's ``auto_score``. So the gradebook holds one
number per function and per student, the same one ``nbgrader autograde`` records when the hidden
cell runs ``autograder.incell.grade`` (which prints the per-case lines and returns the points
as the cell's value). Per-case detail stays in the record and the feedback; the function's solution
cell (``grade_id = <function>``) gets a one-line ``auto_comment`` (cases passed, the mistake named,
the first failure), which the formgrader shows.

``needs_manual_grade`` is cleared, except where a manual score already exists (as in nbgrader's
``SaveAutoGrades``) or where the grader itself failed on that function (a case result with
``grader_error``, or a ``grader_error`` problem): then the score is recorded but the cell is flagged
for review. A wrong, crashing or hanging answer is a definitive result, not a failure.

What ``nbgrader autograde`` does besides, done the same way here
----------------------------------------------------------------
- the student is created if missing (``Autograde.create_student``);
- the submission is created or updated with the timestamp read from
  ``submitted/<student>/<assignment>/timestamp.txt`` (``CourseDirectory.get_existing_timestamp``,
  ``parse_utc``); without the file an existing timestamp is kept;
- late penalties: for every notebook of the submission, ``AssignLatePenalties`` with the course's
  configured plugin (``AssignLatePenalties.plugin_class``, by default nbgrader's
  ``LateSubmissionPlugin`` with ``LateSubmissionPlugin.penalty_method``), the same reset to None,
  the same call ``late_submission_penalty(student, notebook.score, total_seconds_late)`` and the same
  clamping (``_check_late_penalty``), read from the course's nbgrader configuration files.

One transaction: nbgrader's API methods commit after each change; while recording, the session's
commit is deferred (a flush), and everything is committed once at the end, or rolled back if
anything fails (an unknown student folder, a function the gradebook does not know, points that
differ from the gradebook's: run ``nbgrader generate_assignment`` after editing the source).
"""
import contextlib
import os
import sys
import warnings
from pathlib import Path

from .. import course as _course
from ..engine.results import format_points


def load_config(root):
    """The nbgrader configuration an nbgrader command run in ``root`` would see: the Jupyter config
    path's ``nbgrader_config`` files, then ``root/nbgrader_config.py`` (later files win)."""
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config
    from traitlets.config.loader import JSONFileConfigLoader, PyFileConfigLoader
    config = Config()
    for folder in [*reversed(jupyter_config_path()), str(root)]:
        for loader in (JSONFileConfigLoader, PyFileConfigLoader):
            name = "nbgrader_config" + (".json" if loader is JSONFileConfigLoader else ".py")
            if os.path.isfile(os.path.join(folder, name)):
                config.merge(loader(name, path=folder).load_config())
    return config


def _coursedir(root, config):
    from nbgrader.coursedir import CourseDirectory
    coursedir = CourseDirectory(config=config)
    if "root" not in config.get("CourseDirectory", {}):
        coursedir.root = str(Path(root).resolve())
    return coursedir


@contextlib.contextmanager
def _one_transaction(gradebook):
    """Make the API's per-call commits flushes; commit once at the end, roll back on any error."""
    session = gradebook.db
    session.commit = session.flush
    try:
        yield
    except BaseException:
        del session.commit
        session.rollback()
        raise
    del session.commit
    session.commit()


def _failed_by_grader(rec, function):
    return any(c.grader_error for c in rec.cases_of(function)) or \
        any(p.kind == "grader_error" for p in rec.problems)


def _comment(rec, function):
    f = rec.function(function)
    text = (f"Autograder: {f.passed}/{f.cases} hidden cases passed "
            f"({format_points(f.score)} of {format_points(f.max_score)} points).")
    if f.mistake:
        text += f" Known mistake: {f.mistake.name}."
    first = next((c for c in rec.cases_of(function) if not c.passed), None)
    if first is not None:
        text += f" First failure, {first.about}: {first.status}: {first.message}"
    return text[:1000]


def record(records, root=None, assignment=_course.ASSIGNMENT, config=None, notebooks=True, force=False):
    """Write the records' scores into the course's gradebook, in one transaction, and (with
    ``notebooks``) their ``autograded/`` copies for the formgrader. Only records that changed since
    they were last recorded are written (``force``: all): a regrade never re-flags what a TA has
    graded unless the submission or the checks changed. Two graders never write at once (a lock
    next to the gradebook). Returns, per student, what the gradebook now says (see ``scores``)."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.preprocessors import AssignLatePenalties

    root = Path(root or _course.current().root)
    config = config if config is not None else load_config(root)
    coursedir = _coursedir(root, config)
    bin_dir = os.path.dirname(sys.executable)            # nbgrader may run `alembic` (it lives here)
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    late = AssignLatePenalties(config=config)
    late.init_plugin()
    with _locked(coursedir.db_url) as state:
        with Gradebook(coursedir.db_url, coursedir.course_id) as gb:
            try:
                gb.find_assignment(assignment)
            except MissingEntry:
                raise LookupError(f"the gradebook {coursedir.db_url} has no assignment {assignment!r}: "
                                  f"run `nbgrader generate_assignment {assignment}` first") from None
            _validate(gb, records, assignment)
            recorded = {s.student.id for s in gb.assignment_submissions(assignment)}
            todo = [r for r in records if force or r.student not in recorded or
                    state.get(r.student) != _stamp(r)]
            with _one_transaction(gb), warnings.catch_warnings():
                # nbgrader's add_submission builds rows before adding them to the session; SQLAlchemy warns
                # ("not in session") and nbgrader autograde shows the same warnings: harmless.
                warnings.filterwarnings("ignore", message=".*not in session.*")
                for rec in todo:
                    _record_one(gb, coursedir, late, rec, assignment)
            if notebooks:
                from . import autograded
                for rec in todo:
                    autograded.write(rec, coursedir, gb)
        state.update({r.student: _stamp(r) for r in todo})
    return scores(root, assignment, config=config, students=[r.student for r in records])


def _stamp(record):
    """What a record was graded from: the submission's files and the checks."""
    return f"{record.fingerprint}:{record.checks_version}:{float(record.score)}"


@contextlib.contextmanager
def _locked(db_url):
    """An exclusive lock beside a file gradebook, and its state file (which records were written),
    saved when the block ends without error."""
    import fcntl
    import json
    path = Path(db_url[len("sqlite:///"):]) if db_url.startswith("sqlite:///") else None
    if path is None:
        yield {}
        return
    with open(path.with_name(path.name + ".lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state_path = path.with_name(path.name + ".recorded.json")
        try:
            state = json.loads(state_path.read_text()) if state_path.exists() else {}
        except ValueError:
            state = {}
        yield state
        from ..engine.files import write_atomic
        write_atomic(state_path, json.dumps(state, indent=0, sort_keys=True))


def _validate(gb, records, assignment):
    """Every function of every record has its grade cell, with the same points (before writing)."""
    from nbgrader.api import MissingEntry
    for rec in records:
        for f in rec.functions:
            notebook = Path(f.notebook).stem
            try:
                cell = gb.find_grade_cell(f"test_{f.function}", notebook, assignment)
            except MissingEntry:
                raise LookupError(f"the gradebook has no grade cell test_{f.function} in {notebook}: "
                                  f"run `nbgrader generate_assignment {assignment} --force`") from None
            if abs(cell.max_score - float(f.max_score)) > 1e-9:
                raise ValueError(f"test_{f.function} is worth {cell.max_score:g} points in the gradebook but "
                                 f"{float(f.max_score):g} in the grader: regenerate the assignment")


def _record_one(gb, coursedir, late, rec, assignment):
    from nbgrader.api import MissingEntry
    student = rec.student
    gb.update_or_create_student(student)
    submitted = coursedir.format_path(coursedir.submitted_directory, student, assignment)
    timestamp = coursedir.get_existing_timestamp(submitted)
    if timestamp:
        submission = gb.update_or_create_submission(assignment, student, timestamp=timestamp)
    else:
        submission = gb.update_or_create_submission(assignment, student)

    for f in rec.functions:
        notebook = Path(f.notebook).stem
        grade = gb.find_grade(f"test_{f.function}", notebook, assignment, student)
        grade.auto_score = float(f.score)
        grade.needs_manual_grade = grade.manual_score is not None or _failed_by_grader(rec, f.function)
        try:
            comment = gb.find_comment(f.function, notebook, assignment, student)
        except MissingEntry:
            continue
        comment.auto_comment = _comment(rec, f.function)
    gb.db.flush()

    for notebook in submission.notebooks:            # as AssignLatePenalties does, per notebook
        gb.db.expire(notebook)                       # its score is an SQL expression: re-read it
        notebook.late_submission_penalty = None
        if submission.total_seconds_late > 0:
            penalty = late.plugin_inst.late_submission_penalty(student, notebook.score,
                                                               submission.total_seconds_late)
            if penalty is not None:
                notebook.late_submission_penalty = late._check_late_penalty(notebook, penalty)
    gb.db.flush()


def scores(root=None, assignment=_course.ASSIGNMENT, config=None, db_url=None, students=None):
    """What the gradebook holds, per student with a submission:
    {student: {"timestamp", "seconds_late", "raw_score", "late_penalty", "score", "max_score",
               "needs_manual_grade", "functions": {function: auto_score or None}}}.
    ``score`` is what ``nbgrader export`` reports: max(0, raw_score - late_penalty)."""
    from nbgrader.api import Gradebook
    root = Path(root or _course.current().root)
    config = config if config is not None else load_config(root)
    coursedir = _coursedir(root, config)
    found = {}
    with Gradebook(db_url or coursedir.db_url, coursedir.course_id) as gb:
        for submission in gb.assignment_submissions(assignment):
            student = submission.student.id
            if students is not None and student not in students:
                continue
            penalty = submission.late_submission_penalty or 0.0
            functions = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.name.startswith("test_"):
                        functions[grade.name[len("test_"):]] = grade.auto_score
            found[student] = {"timestamp": submission.timestamp, "seconds_late": submission.total_seconds_late,
                              "raw_score": submission.score, "late_penalty": penalty,
                              "score": max(0.0, submission.score - penalty), "max_score": submission.max_score,
                              "needs_manual_grade": bool(submission.needs_manual_grade),
                              "functions": functions}
    return found
