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

from autograder.cycle import gradescope
from autograder.cycle.fabricate import make_submission
from autograder.engine import scoring
from autograder.engine.assignment import all_cases, cases_of
from autograder.engine.results import CaseResult, Problem, to_json
from autograder.exporters.gradescope import Visibility, results

from .helpers import COURSE, MAX, POINTS, entry
from .test_hidden_reference import INTROSPECT, secret_lines


def a_record(student="ann", wrong=(), problems=()):
    found = {c.id: CaseResult(c.id, c.function, c.about, "failed",
                              f"first differs at step 3 of 10: expected 1.5, got 2 ({c.id})", step=3)
             if c.function in wrong else CaseResult(c.id, c.function, c.about, "passed", "matches the reference")
             for c in all_cases()}
    return scoring.record(student, COURSE.graded, cases_of, found, problems)


def test_results_json_has_gradescope_shape():
    data = results(a_record(wrong=("sgd", "adam"), problems=(Problem("invalid", "4_momentum.ipynb: not valid JSON"),)))
    lost = POINTS["sgd"] + POINTS["adam"]
    assert data["score"] == pytest.approx(MAX - lost)
    assert data["visibility"] == "visible" and f"Score: {MAX - lost:.2f} / {MAX:.2f}" in data["output"]
    assert "4_momentum.ipynb: not valid JSON" in data["output"]
    scored = [t for t in data["tests"] if t["max_score"]]
    details = {t["name"].split(":")[0]: t for t in data["tests"] if not t["max_score"]}
    assert len(scored) == len(COURSE.graded) and set(details) == {"sgd", "adam"}
    assert sum(t["max_score"] for t in data["tests"]) == MAX
    for test, g in zip(scored, COURSE.graded):
        assert set(test) >= {"name", "score", "max_score", "output", "visibility", "status"}
        assert test["name"].startswith(g.name + " ") and test["visibility"] == "visible"
        if g.name in ("sgd", "adam"):
            assert test["status"] == "failed" and test["score"] == 0 and "✗" not in test["output"]
            detail = details[g.name]
            assert detail["visibility"] == "after_due_date"             # the default: inputs after the due date
            assert detail["output"].count("✗") == len(cases_of(g.name))
            assert "expected 1.5, got 2" in detail["output"]
        else:
            assert test["status"] == "passed" and test["score"] == g.points
    json.dumps(data)                                         # serialisable as is
    shown = results(a_record(wrong=("sgd",)), Visibility("hidden", "visible"))
    assert {t["visibility"] for t in shown["tests"]} == {"hidden", "visible"} and shown["visibility"] == "hidden"


def test_convert_always_writes_a_results_file(tmp_path):
    out = tmp_path / "results" / "results.json"
    good = tmp_path / "grade.json"
    good.write_text(json.dumps({"submissions": [to_json(a_record(wrong=("adam",)))]}))
    assert json.loads(gradescope.convert(good, out).read_text())["score"] == MAX - POINTS["adam"]
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"submissions": []}))
    data = json.loads(gradescope.convert(empty, out).read_text())
    assert data["score"] == 0 and "not a score for your work" in data["output"]
    data = json.loads(gradescope.convert(tmp_path / "missing.json", out, log="Traceback: boom").read_text())
    assert data["score"] == 0 and "not a score for your work" in data["output"] and "boom" not in data["output"]
    assert data["tests"][0]["max_score"] == MAX


def test_zip_holds_what_the_grader_needs(tmp_path):
    path = gradescope.build_zip(tmp_path / "ag.zip")
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
    for required in ("setup.sh", "run_autograder", "requirements.txt", "nbgrader_config.py", "gradescope.json",
                     "autograder/__main__.py", "autograder/engine/grading.py", "autograder/engine/hidden/pytest.ini",
                     "autograder/engine/sandbox/worker.py", f"source/{COURSE.assignment}/{COURSE.content.TOOLS}",
                     *(f"source/{COURSE.assignment}/{nb}" for nb in COURSE.notebooks)):
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


def _run(root, python=sys.executable, sandbox="auto"):
    env = dict(os.environ, AUTOGRADER_ROOT=str(root), AUTOGRADER_PYTHON=python, AUTOGRADER_TIMEOUT="300",
               AUTOGRADER_SANDBOX=sandbox)
    env.pop("FITTING_COURSE_ROOT", None)
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=600, cwd=root)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((root / "results" / "results.json").read_text()), done


@pytest.mark.slow
def test_run_autograder_grades_a_submission_from_the_zip(tmp_path):
    root = _gradescope_root(tmp_path)
    mistake = entry("schedule evaluated at t + 1")
    make_submission(root / "submission" / "my_upload", {"sgd": mistake.source(), "adam": None})
    (root / "submission" / "my_upload" / "notes.txt").write_text("not a notebook")
    data, done = _run(root)
    passed = sum(1 for c in cases_of("sgd") if not c.probe and "step_decay" not in c.about)
    lost = POINTS["sgd"] * (len(cases_of("sgd")) - passed) / len(cases_of("sgd")) + POINTS["adam"]
    assert data["score"] == pytest.approx(MAX - lost), data["output"]
    tests = {t["name"].split(" ")[0]: t for t in data["tests"] if t["max_score"]}
    assert tests["sgd"]["status"] == "failed" and "schedule evaluated at t + 1" in tests["sgd"]["output"]
    details = {t["name"].split(":")[0]: t for t in data["tests"] if not t["max_score"]}
    assert tests["adam"]["score"] == 0 and "not implemented" in details["adam"]["output"]
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


ATTACK = """
def parabola_slope(x):
    import os
    for target in ({scoring!r}, {results!r}):
        try:
            with open(target, "a") as f:
                f.write("\\n# pwned\\n")
        except OSError:
            pass
    raise ValueError("source: " + open({notebook!r}).read()[:2000])
"""


LEAK = """
class _AtLoad:
    raise RuntimeError("LEAKED: what the hidden cases are")
def parabola_slope(x):
    return 2 * x - 4
"""


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0, reason="Gradescope runs the autograder as root (so does CI)")
def test_gradescope_without_user_namespaces_an_honest_a_stub_and_an_attacking_upload(tmp_path):
    """The emulated Gradescope container: bwrap forbidden, the restricted tier as root."""
    root = _gradescope_root(tmp_path)
    scoring = root / "source" / "autograder" / "engine" / "scoring.py"
    notebook = root / "source" / "source" / COURSE.assignment / COURSE.notebooks[0]
    before = scoring.read_bytes()
    found = {}
    for name, answers in [("honest", {}), ("stub", {"parabola_slope": None, "adam": None}),
                          ("attack", {"parabola_slope": ATTACK.format(scoring=str(scoring), notebook=str(notebook),
                                                                      results=str(root / "results" / "results.json"))}),
                          ("leak", {"parabola_slope": LEAK}),
                          ("echo", {"gradient_descent_line_search": INTROSPECT})]:
        shutil.rmtree(root / "submission")
        make_submission(root / "submission")
        make_submission(root / "submission", answers)
        found[name], done = _run(root, sandbox="restricted")
        assert "sandbox: restricted" in done.stdout          # the tier, on the hidden stdout
        text = json.dumps(found[name])
        assert "BEGIN SOLUTION" not in text and "# pwned" not in text and "Traceback" not in text
    assert found["honest"]["score"] == MAX
    assert found["stub"]["score"] == MAX - POINTS["parabola_slope"] - POINTS["adam"]
    assert found["attack"]["score"] == MAX - POINTS["parabola_slope"]
    details = next(t for t in found["attack"]["tests"] if t["name"].startswith("parabola_slope:"))
    assert "PermissionError" in details["output"] and details["visibility"] == "after_due_date"
    assert scoring.read_bytes() == before
    # what student code says at load time (it can read the hidden cases there) waits for the details
    assert "LEAKED" not in found["leak"]["output"] and "1 while loading your notebooks" in found["leak"]["output"]
    loading = next(t for t in found["leak"]["tests"] if t["name"] == "Loading your notebooks")
    assert "LEAKED" in loading["output"] and loading["visibility"] == "after_due_date"
    # the reference functions ran in the grader (--hide-reference): nothing of them to copy out
    echo = json.dumps(found["echo"])
    assert "found 0 reference functions" in echo and not any(line in echo for line in secret_lines())


def test_every_command_has_help():
    for command in ("grade", "pytest", "feedback", "build", "demo", "gradescope", "gradescope build"):
        done = subprocess.run([sys.executable, "-m", "autograder", *command.split(), "--help"], capture_output=True,
                              text=True, cwd=COURSE.root)
        assert done.returncode == 0 and "usage:" in done.stdout, (command, done.stderr)
