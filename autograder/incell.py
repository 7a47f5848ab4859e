"""The hidden test cells of the source notebooks call this (``nbgrader autograde`` runs them):

    from autograder.incell import grade
    grade("sgd", globals())

Same cases, same reference, same judge and same points as ``python -m autograder grade``; the
difference is where the student's code runs: here in the notebook's kernel, nbgrader's own model
(no sandbox). The cell's value is the points earned, which nbgrader records as partial credit.
Nothing goes to stderr (nbgrader would zero the cell) and each call has a time limit.
"""
import contextlib
import io
import signal
import warnings

from . import course, expected, reference
from .cases import BUILDS_ON, cases_of
from .judge import Verdict
from .scoring import function_score
from .sandbox.worker import CallTimeout, _describe, run_call


def _on_alarm(signum, frame):
    raise CallTimeout()


def _outcome(case, function, seconds):
    """The event the sandbox would have sent for this call."""
    sink = io.StringIO()
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return {"event": "result", "output": run_call(case.call(0), {case.function: function},
                                                           reference.environment())}
    except NotImplementedError:
        return {"event": "error", "kind": "not_implemented", "message": "not implemented yet"}
    except CallTimeout:
        return {"event": "error", "kind": "timeout", "message": f"took longer than {seconds:g} s"}
    except BaseException as error:  # noqa: BLE001 - student code may raise anything
        return {"event": "error", "kind": "exception", "message": _describe(error)}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def grade(name, namespace, seconds=3.0):
    """Grade the function ``name`` of ``namespace``; print one line per case; return the points."""
    graded = course.graded_by_name()[name]
    function = namespace.get(name)
    verdicts = {}
    builds_on = {dep: reference.functions()[dep] for dep in BUILDS_ON.get(name, ())}
    saved = {dep: namespace[dep] for dep in builds_on if dep in namespace}
    namespace.update(builds_on)            # as in the sandbox: the reference in their place
    try:
        _grade_cases(name, function, verdicts, seconds)
    finally:
        for dep in builds_on:
            namespace.pop(dep, None)
        namespace.update(saved)
    score, passed, total = function_score(graded, verdicts)
    print(f"{name}: {passed}/{total} hidden cases passed, {score:g} of {graded.points:g} points")
    for case in cases_of(name):
        verdict = verdicts[case.id]
        if not verdict.passed or verdict.matched:
            print(f"  {'✓' if verdict.passed else '✗'} {case.about}: {verdict.status}, {verdict.message}")
    return score


def _grade_cases(name, function, verdicts, seconds):
    timed_out = False
    for case in cases_of(name):
        if not callable(function):
            verdicts[case.id] = Verdict("error", f"`{name}` is not defined")
        elif timed_out:
            verdicts[case.id] = Verdict("timeout", "not run: an earlier case of this function timed out")
        else:
            verdicts[case.id] = expected.verdict(case, _outcome(case, function, seconds))
            timed_out = verdicts[case.id].status == "timeout"
