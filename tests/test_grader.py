"""The grader end to end (sandboxed workers + hidden pytest checks): the solutions get full marks,
the stubs zero, every catalogued mistake loses points on its function only and is named, every
accepted variant and correct rewrite gets full marks, and results are deterministic."""
import json
import shutil
import subprocess
import sys

import pytest

from autograder import course, mistakes
from autograder.fabricate import make_submission
from autograder.grading import grade

from .equivalents import SET_A, SET_B

ENTRIES = mistakes.entries()
POINTS = {g.name: g.points for g in course.graded()}


def by_function(record):
    return {f["function"]: f for f in record["functions"]}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """One batch: the solution, the stubs, one submission per catalogue entry, the rewrites."""
    root = tmp_path_factory.mktemp("class")
    make_submission(root / "solution")
    shutil.copytree(course.RELEASE, root / "stubs")
    for i, entry in enumerate(ENTRIES):
        make_submission(root / f"entry-{i:02d}", {entry.function: entry.source()})
    make_submission(root / "rewrites-a", SET_A)
    make_submission(root / "rewrites-b", SET_B)
    records, sandboxed = grade([root], jobs=2)
    return {r["student"]: r for r in records}


def test_every_submission_has_a_record(graded):
    assert len(graded) == len(ENTRIES) + 4


def test_solution_gets_full_marks(graded):
    record = graded["solution"]
    assert record["score"] == record["max_score"] == sum(POINTS.values())
    assert all(c["status"] == "passed" for c in record["checks"])


def test_stubs_get_zero_and_say_not_implemented(graded):
    record = graded["stubs"]
    assert record["score"] == 0
    assert {c["status"] for c in record["checks"]} == {"not implemented"}
    assert all("not implemented" in c["message"] for c in record["checks"])


@pytest.mark.parametrize("index", range(len(ENTRIES)), ids=[e.name for e in ENTRIES])
def test_catalogue_entry(graded, index):
    entry = ENTRIES[index]
    functions = by_function(graded[f"entry-{index:02d}"])
    others = {name: f["score"] for name, f in functions.items() if name != entry.function}
    assert others == {name: POINTS[name] for name in others}, "points lost outside the function"
    checks = [c for c in graded[f"entry-{index:02d}"]["checks"] if c["function"] == entry.function]
    if entry.accepted:
        assert functions[entry.function]["score"] == POINTS[entry.function]
        assert any(f"accepted form: {entry.name}" in c["message"] for c in checks)
    else:
        assert functions[entry.function]["score"] < POINTS[entry.function]
        named = [c for c in checks if c.get("matched") == entry.name]
        assert named and all(entry.name in c["message"] and c["status"] == "failed" for c in named)


@pytest.mark.parametrize("name", ["rewrites-a", "rewrites-b"])
def test_correct_rewrites_get_full_marks(graded, name):
    assert graded[name]["score"] == graded[name]["max_score"]


def test_failed_trajectory_feedback_names_the_case_and_the_step(graded):
    index = next(i for i, e in enumerate(ENTRIES) if e.name == "momentum without (1 - beta)")
    check = next(c for c in graded[f"entry-{index:02d}"]["checks"] if c["status"] == "failed")
    assert "Gabor data, start (-1.5, 6.5)" in check["case"] and "beta = 0.6" in check["case"]
    assert check["step"] == 1 and "first differs at step 1 of 81" in check["message"]
    assert len(check["reference_prefix"]) == check["step"] + 1 and len(check["path"]) == 82


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
    assert set(runs[0][0]["checks"][0]) >= {"name", "function", "score", "max_score", "status", "message"}
