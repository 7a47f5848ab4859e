"""Verdicts: what one outcome of a student's function on one case means.

The reference's output and every catalogued entry's output are computed here, in the grader
(never in the sandbox), once per process per case; a student's output is compared with the
reference (``compare``), and, when it differs, with the catalogue, to name the mistake.
"""
import warnings
from functools import lru_cache

from .. import course as _course
from . import assignment, compare, protocol, reference
from .results import CaseResult, Match

GRADER_ERROR = "grader_error"     # not an outcome of the sandbox: the grader failed on the submission

# outcome kind -> status of the case
STATUS = {protocol.NOT_IMPLEMENTED: "not implemented", protocol.TIMEOUT: "timeout", protocol.SKIPPED: "timeout"}


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
    return _reference_output(case, course or _course.current())


@lru_cache(maxsize=None)
def _catalogue_outputs(case, course):
    found = []
    for entry in course.content.catalogue_entries(case.function):
        try:
            found.append((entry, _run(case, entry.impl, course)))
        except Exception:  # noqa: BLE001 - a mistake may crash on some inputs: then it cannot match
            found.append((entry, None))
    return tuple(found)


def catalogue_outputs(case, course=None):
    """(entry, output) for every catalogued entry of the case's function; output None if it raised."""
    return _catalogue_outputs(case, course or _course.current())


def warm(course=None):
    """Compute every reference output now (before student results arrive)."""
    for case in assignment.all_cases(course):
        reference_output(case, course)


def _result(case, status, message, **extra):
    return CaseResult(case=case.id, function=case.function, about=case.about, dataset=case.dataset,
                      status=status, message=message, **extra)


def grader_error(case, message):
    return _result(case, "error", message, grader_error=True)


def judge(case, outcome, missing=lambda function: "not defined", course=None):
    """The CaseResult of one outcome (an outcome body from the sandbox, or None) on one case."""
    if outcome is None:
        return _result(case, "error", "no result was recorded for this case", grader_error=True)
    kind = outcome.get("kind")
    if kind == GRADER_ERROR:
        return _result(case, "error", str(outcome.get("message", "")), grader_error=True)
    if kind != protocol.VALUE:
        message = missing(case.function) if kind == protocol.MISSING else str(outcome.get("message", kind))
        return _result(case, STATUS.get(kind, "error"), message)
    try:
        got = protocol.decode_output(outcome.get("output"))
    except protocol.BadOutput as error:
        return _result(case, "error", f"returned something the grader cannot read ({error})")
    found = compare.compare(reference_output(case, course), got)
    details = dict(step=found.step, expected=found.expected, got=found.got, path=found.path,
                   reference_prefix=found.reference_prefix, notes=tuple(found.notes))
    if found.passed:
        return _result(case, "passed", found.message, notes=details["notes"])
    matches = tuple(entry for entry, output in catalogue_outputs(case, course)
                    if output is not None and compare.same(output, got))
    names = tuple(e.name for e in matches)
    for entry in matches:
        if entry.accepted:
            return _result(case, "passed", f"matches the accepted form: {entry.name}", matches=names,
                           accepted=Match(entry.name, entry.hint, True), notes=details["notes"])
    mistake = next((Match(e.name, e.hint) for e in matches), None)
    return _result(case, "failed", found.message, matches=names, mistake=mistake, **details)
