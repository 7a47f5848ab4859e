"""The grader end to end (sandboxed workers + hidden pytest checks): the solutions get full marks,
the stubs zero, every catalogued mistake loses points on its function only and is named, every
accepted variant and correct rewrite gets full marks, and results are deterministic."""
import json
import shutil
import subprocess
import sys

import pytest

from autograder.cycle.fabricate import make_submission
from autograder.engine.grading import grade

from .equivalents import SET_A, SET_B
from .helpers import COURSE, ENTRIES, POINTS, by_student, scores


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One batch: the solution, the stubs, one submission per catalogue entry, the rewrites."""
    root = tmp_path_factory.mktemp("class")
    make_submission(root / "solution")
    shutil.copytree(COURSE.release, root / "stubs")
    for i, entry in enumerate(ENTRIES):
        make_submission(root / f"entry-{i:02d}", {entry.function: entry.source()})
    make_submission(root / "rewrites-a", SET_A)
    make_submission(root / "rewrites-b", SET_B)
    records, _ = grade([root], jobs=2)
    return by_student(records)


def test_every_submission_has_a_record(graded):
    assert len(graded) == len(ENTRIES) + 4


def test_solution_gets_full_marks(graded):
    record = graded["solution"]
    assert record.score == record.max_score == sum(POINTS.values())
    assert all(c.status == "passed" for c in record.cases)


def test_stubs_get_zero_and_say_not_implemented(graded):
    record = graded["stubs"]
    assert record.score == 0
    assert {c.status for c in record.cases} == {"not implemented"}
    assert all("not implemented" in c.message for c in record.cases)


@pytest.mark.parametrize("index", range(len(ENTRIES)), ids=[e.name for e in ENTRIES])
def test_catalogue_entry(graded, index):
    entry = ENTRIES[index]
    record = graded[f"entry-{index:02d}"]
    got = scores(record)
    others = {name: score for name, score in got.items() if name != entry.function}
    assert others == {name: POINTS[name] for name in others}, "points lost outside the function"
    function = record.function(entry.function)
    if entry.accepted:
        assert got[entry.function] == POINTS[entry.function]
        assert function.accepted and function.accepted.name == entry.name
    else:
        assert got[entry.function] < POINTS[entry.function]
        assert function.mistake and function.mistake.name == entry.name       # named for the whole function
        named = [c for c in record.cases_of(entry.function) if c.mistake and c.mistake.name == entry.name]
        assert named and all(c.status == "failed" for c in named)


@pytest.mark.parametrize("name", ["rewrites-a", "rewrites-b"])
def test_correct_rewrites_get_full_marks(graded, name):
    assert graded[name].score == graded[name].max_score


def test_failed_trajectory_feedback_names_the_case_and_the_step(graded):
    index = next(i for i, e in enumerate(ENTRIES) if e.name == "momentum without (1 - beta)")
    case = next(c for c in graded[f"entry-{index:02d}"].cases if c.status == "failed")
    assert "Gabor data, start (-1.5, 6.5)" in case.about and "beta = 0.6" in case.about
    assert case.step == 1 and "first differs at step 1 of 81" in case.message
    assert len(case.reference_prefix) == case.step + 1 and len(case.path) == 82


def test_results_are_deterministic_and_the_cli_writes_json(tmp_path):
    make_submission(tmp_path / "subs" / "x", {"adam": ENTRIES[-1].source()})
    runs = []
    for k in range(2):
        out = tmp_path / f"r{k}.json"
        done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path / "subs"),
                               "--json", str(out), "--jobs", "2"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(out.read_text())["submissions"])
    assert runs[0] == runs[1]
    assert set(runs[0][0]["cases"][0]) >= {"case", "function", "points", "max_points", "status", "message"}
