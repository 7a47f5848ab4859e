"""What the hidden-test cells of the source notebooks call (``nbgrader autograde`` runs them; the
one name the notebooks know of this package):

    from autograder.incell import grade
    grade("sgd", globals())

Same cases, same reference, same verdicts and the same points as ``python -m autograder grade``;
the difference is where the student's code runs: here in the notebook's kernel, nbgrader's own
model (no sandbox). The cell's value is the points earned, which nbgrader records as partial
credit. Nothing goes to stderr (nbgrader would zero the cell) and each call has a time limit.
"""
import contextlib
import io
import signal
import warnings

from . import course as _course
from .engine import assignment, protocol, reference, scoring, verdicts
from .exporters.text import function_report


def _outcome(case, functions, env, seconds):
    """The outcome the sandbox would have sent for this call."""
    sink = io.StringIO()
    previous = signal.getsignal(signal.SIGALRM)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return protocol.run_call(case.call(0), functions, env, seconds)
    except BaseException as error:  # noqa: BLE001 - e.g. the timer fired in between
        kind, message = protocol.outcome_of_error(error, case.function, seconds)
        return {"kind": kind, "message": message}
    finally:
        signal.signal(signal.SIGALRM, previous)


def grade(name, namespace, seconds=3.0):
    """Grade the function ``name`` of ``namespace``; print one line per case; return the points."""
    course = _course.current()
    graded = course.graded_by_name[name]
    builds_on = {dep: reference.functions(course)[dep] for dep in assignment.builds_on(course).get(name, ())}
    saved = {dep: namespace[dep] for dep in builds_on if dep in namespace}
    namespace.update(builds_on)            # as in the sandbox: the reference in their place
    cases, judged, timed_out = assignment.cases_of(name, course), [], False
    env = reference.environment(course)
    try:
        for case in cases:
            if timed_out:
                outcome = protocol.skipped(name)
            else:
                outcome = _outcome(case, namespace, env, seconds)
                timed_out = outcome["kind"] == protocol.TIMEOUT
            judged.append(verdicts.judge_case(case, outcome, course=course))
    finally:
        for dep in builds_on:
            namespace.pop(dep, None)
        namespace.update(saved)
    explained = verdicts.explain(judged, None, course)
    results = {j.case.id: j.result for j in judged}
    function = scoring.function_result(graded, cases, [results[c.id] for c in cases], explained)
    print(function_report(function, [results[c.id] for c in cases]))
    return float(function.score)
