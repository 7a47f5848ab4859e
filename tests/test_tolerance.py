"""The comparison tolerance, measured: every correct rewrite agrees with the reference far inside
it, and every catalogued mistake, wherever it differs at all, differs far outside it."""
import numpy as np
import pytest

from autograder import course
from autograder.engine import compare, protocol, reference
from autograder.engine.assignment import all_cases, cases_of
from autograder.engine.verdicts import catalogue_outputs, reference_output

from .equivalents import SET_A, SET_B

INSIDE = 1e-3     # correct rewrites: at most this many tolerances from the reference
OUTSIDE = 50      # mistakes: where they differ, at least this many


def error(expected, got):
    """How many tolerances apart two outputs are at worst (<= 1 means they agree); inf if the
    shapes differ or NaNs do not line up."""
    if expected.kind == "seq":
        return 0.0 if compare.same(expected, got) else np.inf
    if expected.kind == "probe":
        e, g = compare.probe_values(expected), compare.probe_values(got)
    else:
        e, g = compare.as_array(expected), compare.as_array(got)
    if g is None or e.shape != g.shape or not np.array_equal(np.isnan(e), np.isnan(g)):
        return np.inf
    ok = ~np.isnan(e)
    with np.errstate(invalid="ignore"):
        ratio = np.abs(g[ok] - e[ok]) / (compare.ATOL + compare.RTOL * np.abs(e[ok]))
    ratio = np.where(g[ok] == e[ok], 0.0, ratio)
    return float(ratio.max()) if ratio.size else 0.0


def namespace_with(code):
    names = dict(reference.functions(), np=np, linear_model=reference.environment()["inputs"]["linear_model"])
    exec(code, names)
    return names


@pytest.mark.parametrize("function,code", [(f, c) for s in (SET_A, SET_B) for f, c in s.items()],
                         ids=lambda v: v if isinstance(v, str) and "\n" not in v else "")
def test_correct_rewrites_agree_far_inside_the_tolerance(function, code):
    names = namespace_with(code)
    for case in cases_of(function):
        got = protocol.decode_output(protocol.run_call(case.call(0), names, reference.environment())["output"])
        assert error(reference_output(case), got) <= INSIDE, case.id


ENTRIES = course.current().content.catalogue_entries()


@pytest.mark.parametrize("entry", [e for e in ENTRIES if not e.accepted], ids=lambda e: e.name)
def test_mistakes_differ_far_outside_the_tolerance(entry):
    errors = {}
    for case in cases_of(entry.function):
        output = dict(catalogue_outputs(case))[entry]
        errors[case.id] = np.inf if output is None else error(reference_output(case), output)
    assert any(e > 1 for e in errors.values()), f"{entry.name} is never told apart from the reference"
    ambiguous = {cid: e for cid, e in errors.items() if INSIDE < e < OUTSIDE}
    assert not ambiguous, f"{entry.name} is too close to the tolerance on {ambiguous}"


def test_accepted_variants_differ_from_the_reference_somewhere():
    """Otherwise "which form matched" could never be told."""
    for entry in [e for e in ENTRIES if e.accepted]:
        errors = [error(reference_output(c), dict(catalogue_outputs(c))[entry]) for c in cases_of(entry.function)]
        assert max(errors) > OUTSIDE, entry.name


def test_every_case_is_run_by_some_function():
    assert {c.function for c in all_cases()} == set(reference.functions())
