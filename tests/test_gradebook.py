"""Recording the grader's records in nbgrader's gradebook (``autograder.exporters.gradebook``), fast: the
gradebook is built with nbgrader's API (what ``generate_assignment`` stores: notebooks, one grade
cell ``test_<function>`` with its points and one solution cell ``<function>`` per graded function)."""
import dataclasses
import os
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from nbgrader.api import Gradebook
from nbgrader.plugins import LateSubmissionPlugin
from traitlets.config import Config

from autograder.engine import scoring
from autograder.engine.assignment import all_cases, cases_of
from autograder.engine.results import CaseResult
from autograder.exporters import gradebook

from .helpers import COURSE, MAX, POINTS, scores

ASSIGNMENT = COURSE.assignment
DUE = datetime(2026, 1, 10, 12, 0, 0)


def _new_gradebook(path):
    with Gradebook(f"sqlite:///{path}", "test-course") as gb:
        gb.add_assignment(ASSIGNMENT, duedate=DUE)
        for name in COURSE.notebooks:
            gb.add_notebook(Path(name).stem, ASSIGNMENT)
        for g in COURSE.graded:
            stem = Path(g.notebook).stem
            gb.add_grade_cell(f"test_{g.name}", stem, ASSIGNMENT, max_score=g.points, cell_type="code")
            gb.add_solution_cell(g.name, stem, ASSIGNMENT)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "gradebook.db"
    _new_gradebook(path)
    return path


def make_course(root, template, penalty="none"):
    root = Path(root)
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.CourseDirectory.course_id = 'test-course'\n"
        f"c.LateSubmissionPlugin.penalty_method = {penalty!r}\n")
    shutil.copyfile(template, root / "gradebook.db")
    return root


def submit(root, student, when):
    folder = Path(root) / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    if when is not None:
        (folder / "timestamp.txt").write_text(f"{when:%Y-%m-%d %H:%M:%S.%f} UTC")
    return folder


def a_record(student, wrong=(), failing_cases=None, message="expected 1, got 2", grader_error=False):
    """A grader Record: every case passes except all cases of ``wrong`` and the first
    ``failing_cases`` of each function listed in that dict."""
    failing_cases = failing_cases or {}
    results = {}
    for case in all_cases():
        index = cases_of(case.function).index(case)
        bad = case.function in wrong or index < failing_cases.get(case.function, 0)
        results[case.id] = CaseResult(case.id, case.function, case.about, "error" if bad and grader_error else
                                      "failed" if bad else "passed", message if bad else "matches the reference",
                                      grader_error=bad and grader_error)
    return scoring.record(student, COURSE.graded, cases_of, results)


@pytest.fixture(autouse=True)
def path_with_alembic(monkeypatch):
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


@pytest.fixture
def root(tmp_path, template):
    return make_course(tmp_path, template)


def test_scores_become_the_grade_cells_auto_scores(root):
    submit(root, "ann", DUE - timedelta(hours=1))
    rec = a_record("ann", wrong=("adam",), failing_cases={"sgd": 2})
    rows = gradebook.record([rec], root)
    assert rows["ann"]["functions"] == scores(rec)
    assert rows["ann"]["functions"]["adam"] == 0 and rows["ann"]["functions"]["sgd"] == pytest.approx(2.0)
    lost = POINTS["adam"] + POINTS["sgd"] * 2 / len(cases_of("sgd"))
    assert rows["ann"]["raw_score"] == pytest.approx(float(rec.score)) == pytest.approx(MAX - lost)
    assert rows["ann"]["late_penalty"] == 0 and rows["ann"]["score"] == pytest.approx(MAX - lost)
    assert rows["ann"]["timestamp"] == DUE - timedelta(hours=1)
    assert not rows["ann"]["needs_manual_grade"]
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "test-course") as gb:
        comment = gb.find_comment("sgd", "3_sgd", ASSIGNMENT, "ann").auto_comment
        assert comment.startswith("Autograder: 4/6 hidden cases passed (2.00 of 3.00 points). First failure")
        assert gb.find_student("ann")                             # created, as autograde does


def test_rerecording_updates_in_place_and_keeps_the_timestamp(root):
    submit(root, "ann", DUE - timedelta(days=1))
    gradebook.record([a_record("ann", wrong=("adam",))], root)
    (root / "submitted" / "ann" / ASSIGNMENT / "timestamp.txt").unlink()     # no file: keep the old one
    rows = gradebook.record([a_record("ann")], root)
    assert rows["ann"]["raw_score"] == MAX and rows["ann"]["timestamp"] == DUE - timedelta(days=1)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "test-course") as gb:
        assert len(gb.assignment_submissions(ASSIGNMENT)) == 1


def test_late_penalty_zero_like_nbgrader(tmp_path, template):
    root = make_course(tmp_path, template, penalty="zero")
    submit(root, "late", DUE + timedelta(hours=5))
    submit(root, "early", DUE - timedelta(hours=5))
    rows = gradebook.record([a_record("late", wrong=("sgd",)), a_record("early")], root)
    assert rows["late"]["seconds_late"] == 5 * 3600
    assert rows["late"]["late_penalty"] == pytest.approx(MAX - POINTS["sgd"]) and rows["late"]["score"] == 0
    assert rows["early"]["late_penalty"] == 0 and rows["early"]["score"] == MAX
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "test-course") as gb:
        per_notebook = {nb.name: nb.late_submission_penalty for nb in gb.find_submission(ASSIGNMENT, "late").notebooks}
        sgd_notebook = sum(g.points for g in COURSE.graded if g.notebook == "3_sgd.ipynb") - POINTS["sgd"]
        assert per_notebook["3_sgd"] == pytest.approx(sgd_notebook)    # that notebook's own score (sgd lost)
        assert {nb.late_submission_penalty for nb in gb.find_submission(ASSIGNMENT, "early").notebooks} == {None}


class TenPercentPerDay(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return score * 0.1 * -(-total_seconds_late // 86400)


class TooMuch(LateSubmissionPlugin):
    def late_submission_penalty(self, student_id, score, total_seconds_late):
        return 1000.0


def test_configured_plugin_class_and_nbgrader_clamping(root):
    submit(root, "ann", DUE + timedelta(days=1, hours=1))                    # 2 started days
    config = gradebook.load_config(root)
    config.AssignLatePenalties.plugin_class = TenPercentPerDay
    rows = gradebook.record([a_record("ann")], root, config=config)
    assert rows["ann"]["late_penalty"] == pytest.approx(0.2 * MAX) and rows["ann"]["score"] == pytest.approx(0.8 * MAX)
    config.AssignLatePenalties.plugin_class = TooMuch                       # clamped to each notebook's score
    rows = gradebook.record([a_record("ann", wrong=("adam",))], root, config=config)
    assert rows["ann"]["late_penalty"] == pytest.approx(MAX - POINTS["adam"]) and rows["ann"]["score"] == 0


def test_grader_failures_and_manual_scores_are_flagged(root):
    submit(root, "ann", None)
    rec = a_record("ann", wrong=("adam",), message="grading failed: WorkerDied: the worker died", grader_error=True)
    gradebook.record([rec], root)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "test-course") as gb:
        assert gb.find_grade("test_adam", "5_adam", ASSIGNMENT, "ann").needs_manual_grade
        assert not gb.find_grade("test_sgd", "3_sgd", ASSIGNMENT, "ann").needs_manual_grade
        gb.find_grade("test_sgd", "3_sgd", ASSIGNMENT, "ann").manual_score = 1.0
        gb.db.commit()
    rows = gradebook.record([a_record("ann")], root)
    assert rows["ann"]["needs_manual_grade"]                  # a human's score is never silently overridden
    assert rows["ann"]["raw_score"] == pytest.approx(MAX - POINTS["sgd"] + 1)    # nbgrader: the manual score wins


def _snapshot(root):
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", "test-course") as gb:
        return sorted((s.student.id, s.score) for s in gb.assignment_submissions(ASSIGNMENT)), \
            sorted(s.id for s in gb.students)


def test_nothing_is_written_when_any_record_is_bad(root):
    gradebook.record([a_record("old")], root)
    before = _snapshot(root)
    unknown = a_record("bob")
    unknown.functions.append(dataclasses.replace(unknown.functions[0], function="not_a_function"))
    with pytest.raises(LookupError, match="test_not_a_function"):
        gradebook.record([a_record("ann"), unknown], root)
    wrong_points = a_record("cid")
    wrong_points.functions[0].max_score = 99
    with pytest.raises(ValueError, match="points"):
        gradebook.record([a_record("ann"), wrong_points], root)
    broken = a_record("dee")
    broken.functions[3].score = "not a number"                 # fails half-way through the writes
    with pytest.raises(ValueError):
        gradebook.record([a_record("ann", wrong=("sgd",)), a_record("old", wrong=("adam",)), broken], root)
    assert _snapshot(root) == before


def test_unknown_assignment_says_what_to_do(tmp_path):
    (tmp_path / "nbgrader_config.py").write_text(f"c = get_config()\nc.CourseDirectory.root = {str(tmp_path)!r}\n")
    with pytest.raises(LookupError, match="generate_assignment"):
        gradebook.record([a_record("ann")], tmp_path)


def test_config_is_read_like_nbgrader(root):
    config = gradebook.load_config(root)
    assert config.CourseDirectory.course_id == "test-course"
    assert isinstance(config, Config)
