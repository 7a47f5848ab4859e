"""Verdicts: what a student's outcomes on a function's cases mean.

The reference's output and every catalogued entry's output are computed here, in the grader
(never in the sandbox), once per process per case. A function is judged as a whole:

1. each case against the reference (``compare``): passed, or failed at a step, or an error;
2. what explains the failing cases, in this order, naming at most one thing:
   - an input changed in place (``phi0``, ``x``, ``y``, the batches): that case fails whatever its
     values; the generator passed in left untouched; a float32 (float16, integer) result; ``None``;
   - an accepted variant, only if on EVERY case the output equals the reference or that variant:
     then every case passes as that form;
   - a catalogued mistake, only if the output equals that mistake's on EVERY case (where the
     mistake agrees with the reference, so must the student), and no other entry does as well;
   - the same, with the student's own versions of the functions it builds on (which were replaced
     by the reference for scoring): "your gabor_gradient with your gabor_model matches ...".
A wrong name is worse than none: anything less than a consistent match is left unnamed.
"""
import warnings
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .. import course as _course
from . import assignment, compare, protocol, reference
from .results import CaseResult, Match

GRADER_ERROR = "grader_error"     # not an outcome of the sandbox: the grader failed on the submission

# outcome kind -> status of the case
STATUS = {protocol.NOT_IMPLEMENTED: "not implemented", protocol.TIMEOUT: "timeout", protocol.SKIPPED: "timeout"}

IN_PLACE_HINT = ("Work on a copy: phi = np.array(phi0, dtype=float) (or phi0.copy()), and never assign into "
                 "x, y or the batches you are given. Changing the caller's arrays breaks the caller's next use "
                 "of them (your own notebook's figures start from the wrong point).")
UNUSED_RNG = Match("does not use the rng it is given", "Draw from the generator passed in: order = rng.permutation(n). "
                   "np.random.permutation, random.shuffle or a new default_rng() ignore it, so nobody (not even "
                   "you) can reproduce your batches.")
NO_RETURN = Match("no return statement (returns None)", "Your function computes its result but never returns it: "
                  "end it with `return ...`.")
LOW_PRECISION = "computed in {dtype}"
LOW_PRECISION_HINT = ("Keep everything in float64 (np.array(phi0, dtype=float), no astype(np.float32)): float32 keeps "
                      "only ~7 digits, and results must match the reference to ~9.")


def _course_or_current(course):
    return course or _course.current()


def _run(case, function, course):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcome = protocol.run_call(case.call(0), {case.function: function}, reference.environment(course))
    if outcome["kind"] != protocol.VALUE:
        raise RuntimeError(outcome.get("message", outcome["kind"]))
    return protocol.decode_output(outcome["output"])


@lru_cache(maxsize=None)
def _reference_output(case, course):
    try:
        return _run(case, reference.functions(course)[case.function], course)
    except RuntimeError as error:
        raise RuntimeError(f"the reference fails on {case.id}: {error}") from None


def reference_output(case, course=None):
    return _reference_output(case, _course_or_current(course))


@lru_cache(maxsize=None)
def _catalogue_outputs(case, course):
    found = []
    for entry in course.content.catalogue_entries(case.function):
        try:
            found.append((entry, _run(case, entry.impl, course)))
        except Exception:  # noqa: BLE001 - a mistake may crash on some inputs: its output is then None
            found.append((entry, None))
    return tuple(found)


def catalogue_outputs(case, course=None):
    """(entry, output) for every catalogued entry of the case's function; output None if it raised."""
    return _catalogue_outputs(case, _course_or_current(course))


def warm(course=None):
    """Compute every reference output now (before student results arrive)."""
    for case in assignment.all_cases(course):
        reference_output(case, course)


def _result(case, status, message, **extra):
    return CaseResult(case=case.id, function=case.function, about=case.about, dataset=case.dataset,
                      status=status, message=message, **extra)


def grader_error(case, message):
    return _result(case, "error", message, grader_error=True)


@dataclass
class Judged:
    """One case: its result so far, the student's decoded output (None if there was none) and the
    outcome's evidence (inputs changed, a generator left unused)."""
    case: object
    result: CaseResult
    output: object = None
    changed: tuple = ()
    unused: tuple = ()


def judge_case(case, outcome, missing=lambda function: "not defined", course=None):
    """One outcome (an outcome body from the sandbox, or None) against the reference only."""
    if outcome is None:
        return Judged(case, _result(case, "error", "no result was recorded for this case", grader_error=True))
    kind = outcome.get("kind")
    if kind == GRADER_ERROR:
        return Judged(case, grader_error(case, str(outcome.get("message", ""))))
    if kind != protocol.VALUE:
        message = missing(case.function) if kind == protocol.MISSING else str(outcome.get("message", kind))
        return Judged(case, _result(case, STATUS.get(kind, "error"), message))
    try:
        got = protocol.decode_output(outcome.get("output"))
    except protocol.BadOutput as error:
        return Judged(case, _result(case, "error", f"returned something the grader cannot read ({error})"))
    found = compare.compare(reference_output(case, course), got, case.probe)
    result = _result(case, "passed" if found.passed else "failed", found.message, step=found.step,
                     expected=found.expected, got=found.got, path=found.path, reference_prefix=found.reference_prefix,
                     notes=tuple(found.notes))
    return Judged(case, result, got, tuple(outcome.get("changed", ())), tuple(outcome.get("unused", ())))


def _agrees(entry_output, judged):
    """The student's output on this case is the entry's (both raised counts as agreeing)."""
    if judged.output is None:
        return entry_output is None and judged.result.status == "error"
    return entry_output is not None and compare.same(entry_output, judged.output)


def _consistent(entries_outputs, judged):
    """The catalogue entries whose outputs equal the student's on every case."""
    found = []
    for index, entry in enumerate(e for e, _ in entries_outputs[0]):
        if all(_agrees(outputs[index][1], j) for outputs, j in zip(entries_outputs, judged)):
            found.append(entry)
    return found


def _fail(judged, mistake, message=None):
    judged.result.status = "failed"
    judged.result.mistake = mistake
    if message:
        judged.result.message = message


def explain(judged, own=None, course=None):
    """Judge one function's cases together (see the module's docstring): updates each
    ``judged[i].result`` and returns (mistake, accepted) for the function. ``own``: Judged of the
    same cases run with the student's own versions of the functions it builds on, or None."""
    course = _course_or_current(course)
    function = judged[0].case.function
    changed = sorted({name for j in judged for name in j.changed})
    if changed:
        what = ", ".join(changed)
        mistake = Match(f"changed {what} in place", IN_PLACE_HINT)
        for j in judged:
            if j.changed:
                _fail(j, mistake, f"your function changed {', '.join(j.changed)} (an input) in place; "
                                  + (j.result.message if j.result.status == "failed" else "its values were right"))
        return mistake, None
    failing = [j for j in judged if not j.result.passed]
    if not failing:
        return None, None
    if all(j.unused and _well_formed(j, course) for j in failing):
        return _name_all(failing, UNUSED_RNG), None
    if all(j.output is not None and j.output.kind == "none" for j in failing):
        return _name_all(failing, NO_RETURN), None
    low = {d for j in failing if j.output is not None and _floats(j.case, course) for d in compare.low_precision(j.output)}
    if low and all(j.output is not None and compare.low_precision(j.output) and _floats(j.case, course) for j in failing):
        return _name_all(failing, Match(LOW_PRECISION.format(dtype=", ".join(sorted(low))), LOW_PRECISION_HINT)), None
    outputs = [catalogue_outputs(j.case, course) for j in judged]
    if not outputs or not outputs[0]:
        return None, None
    consistent = _consistent(outputs, judged)
    accepted = [e for e in consistent if e.accepted]
    if len(accepted) == 1 or (accepted and not [e for e in consistent if not e.accepted]):
        form = Match(accepted[0].name, accepted[0].hint, True)
        for j in failing:
            j.result.status, j.result.accepted = "passed", form
            j.result.message = f"matches the accepted form: {form.name}"
            j.result.step = j.result.expected = j.result.got = j.result.path = j.result.reference_prefix = None
        return None, form
    # an accepted form equal to the student's on every case wins; else a single consistent mistake
    mistakes = [e for e in consistent if not e.accepted]
    if len(mistakes) == 1:
        return _name_all(failing, Match(mistakes[0].name, mistakes[0].hint)), None
    if own is not None:
        return _explain_own(judged, own, outputs, function, course), None
    return None, None


def _floats(case, course):
    """The reference returns floats here (so an integer or float32 result is a precision mistake)."""
    ref = reference_output(case, course)
    return ref.kind in ("array", "probe") and (ref.kind == "probe" or str(ref.dtype).startswith("float"))


def _well_formed(judged, course):
    """The output has the reference's structure (same shape, or the same batch sizes): only its
    draws differ."""
    ref, got = reference_output(judged.case, course), judged.output
    if got is None:
        return False
    if ref.kind == "seq":
        e, g = compare.as_batches(ref), compare.as_batches(got)
        return g is not None and [len(b) for b in e] == [len(b) for b in g]
    e, g = compare.as_array(ref), compare.as_array(got)
    return g is not None and e is not None and e.shape == g.shape


def _name_all(failing, mistake):
    for j in failing:
        j.result.mistake = mistake
    return mistake


def _explain_own(judged, own, outputs, function, course):
    """A mistake that the student's own dependencies reproduce (they were replaced for scoring)."""
    if any(o.result.passed is False and o.output is None for o in own):
        return None
    mistakes = [e for e in _consistent(outputs, own) if not e.accepted]
    if len(mistakes) != 1:
        return None
    deps = ", ".join(assignment.builds_on(course).get(function, ()))
    mistake = Match(f"{mistakes[0].name} (your {function} with your own {deps})",
                    f"{mistakes[0].hint} For scoring, your {function} ran with the reference {deps} "
                    f"(so that a mistake costs only its own function's points); with your own {deps} it gives "
                    f"exactly this mistake's results.")
    return _name_all([j for j in judged if not j.result.passed], mistake)


def own_note(judged, own, function, course=None):
    """Notes on cases where the student's own dependencies give another value than the scored run."""
    deps = ", ".join(assignment.builds_on(_course_or_current(course)).get(function, ()))
    for j, o in zip(judged, own):
        if o.output is None or j.output is None or compare.same(j.output, o.output):
            continue
        value = compare.summary(o.output)
        j.result.notes = j.result.notes + (f"scored with the reference {deps} in place of yours; with your own "
                                           f"{deps}, your {function} returns {value}",)
