"""Expected outputs, computed in the grader (never in the sandbox) once per process:
the reference's and each catalogued entry's, per case; and the verdict of a student's outcome."""
import warnings

from . import judge, mistakes, reference
from .cases import all_cases
from .judge import Verdict
from .sandbox.worker import run_call

_REFERENCE, _CATALOGUE = {}, {}

STATUS = {"not_implemented": "not implemented", "timeout": "timeout", "missing": "error", "exception": "error"}


def _run(case, function):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return judge.decode(run_call(case.call(0), {case.function: function}, reference.environment()))


def reference_output(case):
    if case.id not in _REFERENCE:
        _REFERENCE[case.id] = _run(case, reference.functions()[case.function])
    return _REFERENCE[case.id]


def catalogue_outputs(case):
    """(entry, output) for every catalogued entry of the case's function; output None if it raised."""
    if case.id not in _CATALOGUE:
        found = []
        for entry in mistakes.entries(case.function):
            try:
                found.append((entry, _run(case, entry.impl)))
            except Exception:  # noqa: BLE001 - a mistake may crash on some inputs: then it cannot match
                found.append((entry, None))
        _CATALOGUE[case.id] = found
    return _CATALOGUE[case.id]


def warm():
    """Compute every reference output now (before student results arrive)."""
    for case in all_cases():
        reference_output(case)


def verdict(case, event, missing=lambda function: "not defined"):
    """The verdict of one outcome (a sandbox event: result or error) on one case."""
    if event is None:
        return Verdict("error", "no result was recorded for this case")
    if event.get("event") == "error":
        kind = event.get("kind")
        message = missing(case.function) if kind == "missing" else str(event.get("message", ""))[:600]
        return Verdict(STATUS.get(kind, "error"), message)
    try:
        got = judge.decode(event.get("output"))
    except judge.BadOutput as error:
        return Verdict("error", f"returned something the grader cannot read ({error})")
    found = judge.compare(reference_output(case), got)
    if found.passed:
        return found
    for entry, output in catalogue_outputs(case):
        if output is not None and judge.same(output, got):
            if entry.accepted:
                return Verdict("passed", f"matches the accepted form: {entry.name}", matched=entry.name)
            return Verdict(found.status, f"{found.message}. Known mistake: {entry.name}. {entry.hint}",
                           entry.name, found.step, found.expected, found.got, found.path,
                           found.reference_prefix)
    return found
