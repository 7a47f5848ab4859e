"""Gradescope: results.json from a record, and the autograder zip run the way Gradescope runs it
(unzipped into a folder laid out like /autograder, ``run_autograder`` on a fabricated submission)."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import course, gradescope, scoring
from autograder.cases import all_cases
from autograder.fabricate import make_submission
from autograder.judge import Verdict
from autograder.mistakes import entries

MAX = sum(g.points for g in course.graded())


def a_record(student="ann", wrong=(), problems=()):
    verdicts = {c.id: Verdict("failed", f"first differs at step 3 of 10: expected 1.5, got 2 ({c.id})", step=3)
                if c.function in wrong else Verdict("passed", "matches the reference") for c in all_cases()}
    return scoring.record(student, verdicts, problems)


def test_results_json_has_gradescope_shape():
    data = gradescope.results(a_record(wrong=("sgd", "adam"), problems=("4_momentum.ipynb: not valid JSON",)))
    assert data["score"] == pytest.approx(MAX - 8)
    assert data["visibility"] == "visible" and "Score: 32 / 40" in data["output"]
    assert "4_momentum.ipynb: not valid JSON" in data["output"]
    assert len(data["tests"]) == len(course.graded())
    assert sum(t["max_score"] for t in data["tests"]) == MAX
    for test, g in zip(data["tests"], course.graded()):
        assert set(test) >= {"name", "score", "max_score", "output", "visibility", "status"}
        assert test["name"].startswith(g.name + " ")
        if g.name in ("sgd", "adam"):
            assert test["status"] == "failed" and test["score"] == 0
            assert test["output"].count("✗") == len([c for c in all_cases() if c.function == g.name])
            assert "expected 1.5, got 2" in test["output"]
        else:
            assert test["status"] == "passed" and test["score"] == g.points and "✗" not in test["output"]
    json.dumps(data)                                         # serialisable as is


def test_convert_always_writes_a_results_file(tmp_path):
    out = tmp_path / "results" / "results.json"
    good = tmp_path / "grade.json"
    good.write_text(json.dumps({"submissions": [a_record(wrong=("adam",))]}))
    assert json.loads(gradescope.convert(good, out).read_text())["score"] == MAX - 5
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"submissions": []}))
    data = json.loads(gradescope.convert(empty, out).read_text())
    assert data["score"] == 0 and "No notebooks" in data["output"]
    data = json.loads(gradescope.convert(tmp_path / "missing.json", out, log="Traceback: boom").read_text())
    assert data["score"] == 0 and "not a score for your work" in data["output"] and "boom" in data["output"]
    assert data["tests"][0]["max_score"] == MAX


def test_zip_holds_what_the_grader_needs(tmp_path):
    path = gradescope.build_zip(tmp_path / "ag.zip")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    for required in ("setup.sh", "run_autograder", "requirements.txt", "nbgrader_config.py", "pyproject.toml",
                     "autograder/__main__.py", "autograder/grading.py", "autograder/checks/pytest.ini",
                     "autograder/sandbox/worker.py", f"source/{course.ASSIGNMENT}/{course.TOOLS}",
                     *(f"source/{course.ASSIGNMENT}/{nb}" for nb in course.notebooks())):
        assert required in names, required
    assert modes["run_autograder"] & 0o111 and modes["setup.sh"] & 0o111
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith(("submitted/", "autograded/", "feedback/", "exchange/"))]


def _gradescope_root(tmp_path):
    """A folder laid out like Gradescope's /autograder, with the zip unpacked in source/."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(gradescope.build_zip(tmp_path / "ag.zip")) as zf:
        zf.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):
        os.chmod(root / "source" / name, 0o755)
    (root / "submission").mkdir()
    return root


def _run(root, python=sys.executable):
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=python, AUTOGRADER_TIMEOUT="300")
    env.pop("FITTING_COURSE_ROOT", None)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=600, cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((root / "results" / "results.json").read_text()), done


@pytest.mark.slow
def test_run_autograder_grades_a_submission_from_the_zip(tmp_path):
    root = _gradescope_root(tmp_path)
    mistake = next(e for e in entries("sgd") if e.name == "schedule evaluated at t + 1")
    make_submission(root / "submission" / "my_upload", {"sgd": mistake.source(), "adam": None})
    (root / "submission" / "my_upload" / "notes.txt").write_text("not a notebook")
    data, done = _run(root)
    assert data["score"] == pytest.approx(MAX - 0.5 - 5), data["output"]
    tests = {t["name"].split(" ")[0]: t for t in data["tests"]}
    assert tests["sgd"]["status"] == "failed" and "schedule evaluated at t + 1" in tests["sgd"]["output"]
    assert tests["adam"]["score"] == 0 and "not implemented" in tests["adam"]["output"]
    assert tests["gradient_descent"]["status"] == "passed"
    # the grader that ran is the zip's copy, not this checkout's
    env = dict(os.environ, PYTHONPATH=str(root / "source"))
    where = subprocess.run([sys.executable, "-c", "import autograder; print(autograder.__file__)"],
                           cwd=root / "source", env=env, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(root / "source")


@pytest.mark.slow
def test_run_autograder_always_writes_results(tmp_path):
    root = _gradescope_root(tmp_path)
    data, _ = _run(root)                                                   # nothing uploaded
    assert data["score"] == 0 and "No notebooks" in data["output"]
    make_submission(root / "submission")
    data, _ = _run(root, python=str(tmp_path / "no-such-python"))         # the grader cannot start
    assert data["score"] == 0 and "could not start" in data["output"]
    shutil.rmtree(root / "source" / "source")                              # the grader crashes
    (root / "results" / "results.json").unlink()
    data, _ = _run(root)
    assert data["score"] == 0 and "not a score for your work" in data["output"]
