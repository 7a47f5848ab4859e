"""Fair verdicts (issue 11): a named mistake is always the right one, every point is earned,
inputs must not change, one rule for types, a student's own dependencies diagnosed, divergences
that matter, exact points. Each test grades a few student implementations end to end (sandbox,
hidden tests, records); the whole student corpus is ``test_corpus_gets_fair_verdicts``."""
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from autograder.cycle.fabricate import make_submission
from autograder.engine.grading import grade
from autograder.engine.results import to_json
from autograder.exporters.feedback import render

from .helpers import IN_PLACE, POINTS, by_student, entry

REPO = Path(__file__).resolve().parent.parent

PLAIN_MOMENTUM_AS_NESTEROV = """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    phi = np.array(phi0, dtype=float)
    m = np.zeros(2)
    path = [phi.copy()]
    for b in batches:
        m = beta * m + (1 - beta) * grad(phi, x[b], y[b])
        phi = phi - learning_rate * m
        path.append(phi.copy())
    return np.array(path)
"""
NEVER_MOVES = """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    return np.array([phi0] * (n_steps + 1), dtype=float)
"""
ADAM_NO_CORRECTION = entry("no bias correction").source()
COUNTS_CALLS = """
def step_decay(lr0, factor, every):
    calls = [0]
    def schedule(t):
        calls[0] += 1
        return lr0 * factor ** ((calls[0] - 1) // every)
    return schedule
"""
LIST_OF_ARRAYS = """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = phi - alpha * grad(phi, x[b], y[b])
        path.append(phi)
    return path
"""
LISTS_OF_INTS = """
def epoch_batches(n, batch_size, rng):
    order = rng.permutation(n)
    return [[int(i) for i in order[k:k + batch_size]] for k in range(0, n, batch_size)]
"""
OWN_SLIDE_MODEL = """
def gabor_model(phi, x):
    z = phi[0] + 0.06 * phi[1] * x
    return np.sin(z) * np.exp(-z ** 2 / 8.0)
"""
GRADIENT_WITH_OWN_MODEL = """
def gabor_gradient(phi, x, y):
    z = phi[0] + 0.06 * phi[1] * x
    envelope = np.exp(-z ** 2 / 8.0)
    df_dz = np.cos(z) * envelope - np.sin(z) * envelope * z / 4.0
    residual = gabor_model(phi, x) - y
    return np.array([np.sum(2 * residual * df_dz), np.sum(2 * residual * df_dz * 0.06 * x)])
"""
FLOAT32 = """
def sgd(grad, phi0, x, y, batches, learning_rate):
    phi = np.array(phi0, dtype=np.float32)
    path = [phi.copy()]
    for t, b in enumerate(batches):
        alpha = learning_rate(t) if callable(learning_rate) else learning_rate
        phi = (phi - alpha * grad(phi, x[b], y[b])).astype(np.float32)
        path.append(phi)
    return np.array(path)
"""
NO_RETURN = """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = np.array(phi0, dtype=float)
    path = [phi.copy()]
    for _ in range(n_steps):
        phi = phi - learning_rate * grad(phi, x, y)
        path.append(phi)
    path = np.array(path)
"""
GLOBAL_RANDOM = """
def epoch_batches(n, batch_size, rng):
    order = np.random.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
"""

CLASS = {
    "plain-momentum-as-nesterov": {"sgd_nesterov": PLAIN_MOMENTUM_AS_NESTEROV},
    "never-moves": {"gradient_descent": NEVER_MOVES},
    "adam-no-correction": {"adam": ADAM_NO_CORRECTION},
    "momentum-no-damping": {"sgd_momentum": entry("momentum without (1 - beta)").source()},
    "in-place": {"gradient_descent": IN_PLACE},
    "counts-calls": {"step_decay": COUNTS_CALLS},
    "list-of-arrays": {"sgd": LIST_OF_ARRAYS},
    "lists-of-ints": {"epoch_batches": LISTS_OF_INTS},
    "own-slide-model": {"gabor_model": OWN_SLIDE_MODEL, "gabor_gradient": GRADIENT_WITH_OWN_MODEL},
    "float32": {"sgd": FLOAT32},
    "no-return": {"gradient_descent": NO_RETURN},
    "global-random": {"epoch_batches": GLOBAL_RANDOM},
    "book-nesterov": {"sgd_nesterov": entry("look-ahead phi - alpha * beta * m (the book's corrected form)").source()},
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("verdicts")
    for name, answers in CLASS.items():
        make_submission(root / name, answers)
    records, _ = grade([root], jobs=2)
    return by_student(records)


def function(record, name):
    return record.function(name)


def test_a_name_explains_the_whole_function(graded):
    nesterov = function(graded["plain-momentum-as-nesterov"], "sgd_nesterov")
    assert nesterov.score == 0 and nesterov.accepted is None          # beta = 0 no longer passes as the book's form
    assert nesterov.mistake.name == "gradient at phi, not at the look-ahead point (plain momentum)"
    book = function(graded["book-nesterov"], "sgd_nesterov")
    assert book.score == POINTS["sgd_nesterov"] and book.accepted and book.mistake is None
    adam = function(graded["adam-no-correction"], "adam")
    assert adam.mistake.name == "no bias correction"


def test_every_point_is_earned(graded):
    assert function(graded["never-moves"], "gradient_descent").score == 0           # the n_steps = 0 case pays nothing alone
    assert function(graded["momentum-no-damping"], "sgd_momentum").score == 0       # nor beta = 0
    assert function(graded["adam-no-correction"], "adam").score == 0                # nor beta = gamma = 0
    never = function(graded["never-moves"], "gradient_descent")
    assert any("degenerate" in n for n in never.notes)
    assert never.mistake is None                   # not "you stored the same array object": nothing to name


def test_inputs_changed_in_place_fail_with_a_name(graded):
    inplace = function(graded["in-place"], "gradient_descent")
    assert inplace.score == 0 and inplace.mistake.name == "changed phi0 in place"
    case = graded["in-place"].cases_of("gradient_descent")[0]
    assert "changed phi0 (an input) in place" in case.message
    decay = function(graded["counts-calls"], "step_decay")
    assert decay.score == 0                                                          # asked t = 5, 0, 5, 40, ...
    assert "asked for t in the order 5, 0, 5, 40" in graded["counts-calls"].cases_of("step_decay")[0].message


def test_one_rule_for_types(graded):
    sgd = function(graded["list-of-arrays"], "sgd")
    assert sgd.score == POINTS["sgd"] and any("a list of ndarray" in n and "float64" in n for n in sgd.notes)
    batches = function(graded["lists-of-ints"], "epoch_batches")
    assert batches.score == POINTS["epoch_batches"] and any("a list of list" in n for n in batches.notes)


def test_the_students_own_dependencies_are_diagnosed(graded):
    record = graded["own-slide-model"]
    assert function(record, "gabor_model").mistake.name == "envelope exp(-z^2/8) instead of exp(-z^2/32)"
    gradient = function(record, "gabor_gradient")
    assert gradient.mistake.name == "envelope /8 instead of /32 (your gabor_gradient with your own gabor_model)"
    case = record.cases_of("gabor_gradient")[0]
    assert any("scored with the reference gabor_model in place of yours; with your own gabor_model" in n
               for n in case.notes)
    page = render(record)
    assert "scored with the reference gabor_model in place of yours" in page
    assert function(record, "gabor_loss").score == POINTS["gabor_loss"]            # isolation: no cost elsewhere


def test_divergences_that_matter_and_what_was_returned(graded):
    adam = graded["adam-no-correction"].cases_of("adam")[0]
    assert "too small to see: the paths visibly part at step" in adam.message
    assert function(graded["float32"], "sgd").mistake.name == "computed in float32"
    none = graded["no-return"].cases_of("gradient_descent")[0]
    assert none.message == "returned None — missing return?"
    assert function(graded["no-return"], "gradient_descent").mistake.name == "no return statement (returns None)"
    assert function(graded["global-random"], "epoch_batches").mistake.name == "does not use the rng it is given"


def test_points_are_exact(graded):
    record = graded["never-moves"]
    for f in record.functions:
        cases = record.cases_of(f.function)
        assert sum(c.max_points for c in cases) == f.max_score and all(type(c.max_points) is Fraction for c in cases)
    data = to_json(graded["plain-momentum-as-nesterov"])
    thirds = [c for c in data["cases"] if c["function"] == "line_search"]
    assert all("max_points_exact" in c for c in thirds) and thirds[0]["max_points_exact"] == "1/3"
    page = render(graded["plain-momentum-as-nesterov"])
    assert f"{40 - POINTS['sgd_nesterov']:.2f} / 40.00" in page.replace(f"{sum(POINTS.values()):.2f}", "40.00")


@pytest.mark.slow
def test_corpus_gets_fair_verdicts(tmp_path):
    """The student corpus (tests/corpus): every correct or accepted or differently-typed answer gets
    full marks, every bug loses points on its own function only, no name is ever wrong, 8 in 10
    catalogue-type bugs are named (today: all), nothing earns points for nothing."""
    out = tmp_path / "corpus.json"
    done = subprocess.run([sys.executable, str(REPO / "tests" / "corpus" / "run.py"), "--repo", str(REPO),
                           "--python", sys.executable, "--jobs", "2", "--json", str(out)],
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    s = json.loads(out.read_text())["summary"]
    assert s["false_fails"] == [] and s["missed_bugs"] == [] and s["wrong_names"] == {}
    assert s["zero_earning"] == {} and s["lost_outside"] == {}
    named = s["naming_catalogued"]
    assert named.get("named", 0) >= 0.8 * named["total"]
    assert s["inplace_naming"] == {"named": s["by_kind"]["inplace"]}


def test_a_number_where_a_number_is_asked_for_gets_no_note():
    """float, numpy float64, a 0-d array: all numbers; a list where an array is asked for is noted."""
    from autograder.engine import compare, protocol
    expected = protocol.decode_output(protocol.encode_output(np.float64(2.0)))
    for value in (2.0, np.float64(2.0), np.array(2.0)):
        found = compare.compare(expected, protocol.decode_output(protocol.encode_output(value)))
        assert found.passed and found.notes == (), (value, found.notes)
    path = protocol.decode_output(protocol.encode_output(np.zeros((3, 2))))
    found = compare.compare(path, protocol.decode_output(protocol.encode_output([[0.0, 0.0]] * 3)))
    assert found.passed and "returned a list of list" in found.notes[0]
