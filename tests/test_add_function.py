"""Adding a graded function is a documented path (README, "Adding a graded function"): a source
notebook cell pair and its cases, nothing else. Done here in a temporary copy of the course and
the package: RMSProp is added, the release rebuilt with the real nbgrader, and graded."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import COURSE, MAX

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent

SOLUTION = '''def rmsprop(grad, phi0, x, y, batches, learning_rate, gamma=0.9, eps=1e-8):
    """RMSProp: v <- gamma v + (1 - gamma) g^2, phi <- phi - learning_rate g / (sqrt(v) + eps)."""
    ### BEGIN SOLUTION
    phi = np.array(phi0, dtype=float)
    v = np.zeros_like(phi)
    path = [phi.copy()]
    for batch in batches:
        g = grad(phi, x[batch], y[batch])
        v = gamma * v + (1 - gamma) * g ** 2
        phi = phi - learning_rate * g / (np.sqrt(v) + eps)
        path.append(phi)
    return np.array(path)
    ### END SOLUTION
'''
TEST = '''# Hidden tests of `rmsprop` (2 points).
### BEGIN HIDDEN TESTS
from autograder.incell import grade
grade("rmsprop", globals())
### END HIDDEN TESTS
'''
CASES = '''

CASES["rmsprop"] = lambda: _optimizer_cases("rmsprop", [
    ("gabor", (-1.5, 6.5), epochs(30, 5, 3, 21), [0.1], {}),
    ("linear", (1.6, -0.5), full(12, 10), [0.05], {"gamma": 0.5}),
    ("linear", (0.6, -0.2), epochs(12, 4, 2, 22), [0.1], {"eps": 1e-3}),
])
'''


def cell(kind, grade_id, source, **meta):
    nbgrader = dict({"grade": False, "solution": False, "locked": False, "schema_version": 3, "grade_id": grade_id},
                    **meta)
    return {"cell_type": "code", "id": grade_id.replace("_", "-"), "metadata": {"nbgrader": nbgrader},
            "source": source.splitlines(keepends=True), "outputs": [], "execution_count": None}


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    """A copy of the course and the package with rmsprop added, rebuilt with nbgrader."""
    root = tmp_path_factory.mktemp("extended")
    shutil.copytree(REPO / "source", root / "source", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "autograder", root / "autograder", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "nbgrader_config.py", root)
    notebook = root / "source" / COURSE.assignment / "5_adam.ipynb"
    nb = json.loads(notebook.read_text())
    nb["cells"] += [cell("code", "rmsprop", SOLUTION, solution=True),
                    cell("code", "test_rmsprop", TEST, grade=True, locked=True, points=2)]
    notebook.write_text(json.dumps(nb, indent=1))
    with open(root / "autograder" / "fitting_models" / "cases.py", "a") as f:
        f.write(CASES)
    env = dict(os.environ, PYTHONPATH=str(root), FITTING_COURSE_ROOT=str(root))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env["PATH"]
    done = subprocess.run([sys.executable, "-m", "autograder", "build"], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return root, env


def grade(root, env, folder):
    out = root / "grading" / f"{folder.parent.name}.json"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--json", str(out)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text())["submissions"][0]


def test_the_reference_gets_full_marks_and_a_stub_nothing(extended):
    root, env = extended
    solution = grade(root, env, root / "solutions" / COURSE.assignment)
    assert solution["max_score"] == MAX + 2 and solution["score"] == MAX + 2
    rmsprop = next(f for f in solution["functions"] if f["function"] == "rmsprop")
    assert rmsprop["passed"] == rmsprop["cases"] == 3
    stubs = grade(root, env, root / "assignments" / COURSE.assignment)
    assert stubs["score"] == 0
    assert {c["status"] for c in stubs["cases"] if c["function"] == "rmsprop"} == {"not implemented"}


def test_the_new_function_runs_in_pytest_and_in_the_notebook(extended):
    root, env = extended
    done = subprocess.run([sys.executable, "-m", "autograder", "pytest", str(root / "solutions" / COURSE.assignment),
                           "-q", "-k", "rmsprop"], cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0 and "3 passed" in done.stdout, done.stdout
    executed = json.loads((root / "solutions" / COURSE.assignment / "5_adam.ipynb").read_text())
    test = next(c for c in executed["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_rmsprop")
    value = ["".join(o["data"]["text/plain"]) for o in test["outputs"] if o["output_type"] == "execute_result"]
    assert value == ["2.0"]            # nbgrader autograde records the same points
