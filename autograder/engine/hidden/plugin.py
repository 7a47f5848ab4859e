"""The pytest plugin of the hidden tests.

Each hidden test asks the ``submission`` fixture for the verdict on its case and fails with the
verdict's message. Two ways to provide that fixture:
- ``python -m autograder pytest DIR``: ``--submission DIR`` grades DIR in the sandbox once, for the
  cases selected (``-k``, ``--lf`` ... select as usual), before the first test runs;
- the batch grader: ``GradingSession`` collects the tests once and runs the same test functions for
  each submission of the batch, without per-test setup and reports (they would cost more than the
  tests themselves).
"""
import pytest

from ... import course as _course
from .. import assignment, submissions, verdicts

SELECTED = pytest.StashKey()
SUBMITTED = pytest.StashKey()


class Submitted:
    """One submission's outcomes from the sandbox, judged function by function as the tests ask
    (a function's cases are judged together: see ``verdicts.explain``)."""

    def __init__(self, run, course=None):
        self.run, self.course = run, course or _course.current()
        self.results, self.functions = {}, {}

    def result(self, case):
        if case.id not in self.results:
            self._judge(case.function)
        if case.id not in self.results:
            self.results[case.id] = verdicts.judge_case(case, None).result
        return self.results[case.id]

    def _judge(self, function):
        run = self.run
        missing = lambda name: submissions.explain_missing(name, run.broken, run.problems, self.course)  # noqa: E731
        cases = [c for c in assignment.cases_of(function, self.course) if c.id in run.outcomes]
        if not cases:
            return
        judged = [verdicts.judge_case(c, run.outcomes[c.id], missing, self.course) for c in cases]
        own = None
        if all(assignment.OWN + c.id in run.outcomes for c in cases) and function in assignment.builds_on(self.course):
            own = [verdicts.judge_case(c, run.outcomes[assignment.OWN + c.id], missing, self.course) for c in cases]
        self.functions[function] = verdicts.explain(judged, own, self.course)
        if own is not None:
            verdicts.own_note(judged, own, function, self.course)
        self.results.update({j.case.id: j.result for j in judged})


def hidden_test(function, cases):
    """The test of one graded function: one parametrized case per hidden case."""
    @pytest.mark.parametrize("case", cases, ids=[c.label for c in cases])
    def test(case, submission):
        result = submission.result(case)
        if not result.passed:
            pytest.fail(result.message, pytrace=False)
    test.__name__ = test.__qualname__ = function
    test.__doc__ = f"The hidden cases of `{function}`."
    return test


def hidden_tests(course=None):
    """{function: its test}, for every graded function of the course."""
    course = course or _course.current()
    return {g.name: hidden_test(g.name, assignment.cases_of(g.name, course)) for g in course.graded}


# -- python -m autograder pytest DIR ----------------------------------------------------------

def pytest_addoption(parser):
    group = parser.getgroup("hidden tests")
    group.addoption("--submission", help="the submission folder to grade (python -m autograder pytest DIR)")
    group.addoption("--sandbox", default="auto", help="the sandbox tier (auto, bwrap, restricted, off)")
    group.addoption("--call-timeout", type=float, default=3.0, help="seconds per call of a student function")


def pytest_collection_finish(session):
    session.config.stash[SELECTED] = [item.callspec.params["case"].id for item in session.items
                                      if hasattr(item, "callspec")]


@pytest.fixture(scope="session")
def submission(request):
    config = request.config
    if SUBMITTED in config.stash:
        return config.stash[SUBMITTED]
    folder = config.getoption("submission")
    if not folder:
        raise pytest.UsageError("the hidden tests need a submission: python -m autograder pytest DIR")
    from ..pool import WorkerPool
    from ..sandbox.supervisor import Limits
    found = submissions.discover([folder])
    if len(found) != 1:
        raise pytest.UsageError(f"{folder} holds {len(found)} submissions; give one submission folder")
    pool = WorkerPool(1, config.getoption("sandbox"), Limits(call_seconds=config.getoption("call_timeout")),
                      only=config.stash.get(SELECTED, None))
    try:
        run = next(pool.map(found))
    finally:
        pool.close()
    config.stash[SUBMITTED] = Submitted(run)
    return config.stash[SUBMITTED]


# -- the batch grader -------------------------------------------------------------------------

class GradingSession:
    """A plugin object: runs every collected hidden test once per Run of ``runs`` and hands each
    submission's results to ``sink(run, results, explained)`` (``explained``: function -> (mistake,
    accepted))."""

    def __init__(self, runs, sink, course=None):
        self.runs, self.sink, self.course = runs, sink, course or _course.current()
        self.collected = 0

    def pytest_runtestloop(self, session):
        if session.testsfailed:
            raise session.Interrupted(f"{session.testsfailed} errors during collection of the hidden tests")
        self.collected = len(session.items)
        verdicts.warm(self.course)
        tests = [(item.obj, item.callspec.params["case"]) for item in session.items]
        for run in self.runs:
            submitted = Submitted(run, self.course)
            for test, case in tests:
                try:
                    test(case=case, submission=submitted)
                except pytest.fail.Exception:
                    pass
                except Exception as error:  # noqa: BLE001 - the test itself broke: say so, loudly
                    result = verdicts.grader_error(case, f"grader error in the hidden test of {case.id}: "
                                                         f"{type(error).__name__}: {error}")
                    submitted.results[case.id] = result
            self.sink(run, submitted.results, submitted.functions)
        return True
