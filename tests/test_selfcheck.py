"""The students' self-check (``pytest`` in their folder, the released conftest.py) survives them:
a time limit per check, a crash or os._exit costs only its own check, a notebook that cannot be
read costs only its own checks; it names the stub that raised, places by the statement's first
line, says "changed phi0 in place" first, and passes every accepted form and array-like the grader
accepts."""
import os
import re
import subprocess
import sys

import pytest

from autograder.cycle.fabricate import make_submission

from .helpers import COURSE, IN_PLACE, entry

pytestmark = pytest.mark.slow


def selfcheck(folder, timeout=None):
    env = dict(os.environ, COLUMNS="300")
    if timeout:
        env["FITTING_CHECK_TIMEOUT"] = str(timeout)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "-q"], cwd=folder,
                          capture_output=True, text=True, env=env, timeout=600)
    outcomes = dict(re.findall(r"^(PASSED|FAILED) \S+::(\w+)", done.stdout, re.M)[::-1] and
                    [(name, word) for word, name in re.findall(r"^(PASSED|FAILED) \S+::(\w+)", done.stdout, re.M)])
    return outcomes, done.stdout


HANG = "def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):\n    while True:\n        pass\n"
EXIT = "def gabor_model(phi, x):\n    import os\n    os._exit(3)\n"
LIST_OF_LISTS = """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [list(phi)]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(list(phi))
    return path
"""


def test_a_hang_a_crash_and_a_broken_notebook_cost_only_their_own_checks(tmp_path):
    folder = make_submission(tmp_path / "s", {"line_search": HANG, "gabor_model": EXIT})
    (folder / "4_momentum.ipynb").write_text('{"cells": [')                       # a truncated save
    outcomes, out = selfcheck(folder, timeout=3)
    assert outcomes["line_search"] == "FAILED" and "took longer than 3 s" in out
    assert outcomes["gradient_descent_line_search"] == "FAILED"                    # it calls the hanging line_search
    assert outcomes["gabor_model"] == "FAILED" and "exit code 3" in out
    assert outcomes["notebook"] == "FAILED" and "4_momentum.ipynb is not a valid notebook" in out
    assert outcomes["adam"] == outcomes["sgd"] == outcomes["linear_loss"] == "PASSED"
    assert "Interrupted" not in out


def test_not_implemented_names_the_stub_that_raised(tmp_path):
    folder = make_submission(tmp_path / "s", {"normalized_gradient_descent": None})
    outcomes, out = selfcheck(folder)
    assert outcomes["adam"] == "FAILED"
    assert "`normalized_gradient_descent` (which the check of `adam` calls) still raises NotImplementedError" in out


def test_changed_phi0_is_said_first(tmp_path):
    outcomes, out = selfcheck(make_submission(tmp_path / "s", {"gradient_descent": IN_PLACE}))
    assert outcomes["gradient_descent"] == "FAILED" and "changed phi0 in place" in out
    assert "multiplies phi" not in out                                             # not a wrong diagnosis


def test_what_the_grader_accepts_passes_locally(tmp_path):
    answers = {"adam": entry("eps inside the square root, sqrt(v_hat + eps) (as on one lecture slide)").source(),
               "sgd_nesterov": entry("look-ahead phi - alpha * beta * m (the book's corrected form)").source(),
               "normalized_gradient_descent": entry("eps inside the square root, sqrt(g^2 + eps)").source(),
               "sgd": LIST_OF_LISTS}
    outcomes, out = selfcheck(make_submission(tmp_path / "s", answers))
    assert set(outcomes.values()) == {"PASSED"} and len(outcomes) == len(COURSE.graded), out


def test_places_are_named_by_statement(tmp_path):
    broken = "def adam(phi0, grad,\n    return phi0\n"
    outcomes, out = selfcheck(make_submission(tmp_path / "s", {"adam": broken}))
    assert outcomes["adam"] == "FAILED" and "the cell starting `def adam(phi0, grad,`" in out
    assert not re.search(r"cell \d", out)
