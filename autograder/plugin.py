"""The pytest side of grading: one collection of the hidden checks grades a stream of submissions.

``GradingSession`` is registered as a plugin object; its ``pytest_runtestloop`` runs every collected
check once per submission (pytest collects once per batch, not once per student) and hands each
submission's verdicts to a sink. Checks get the ``judge`` fixture: ``judge(case)`` records the
verdict of the current submission on that case and fails the test unless it passed.
"""
import pytest

from . import expected
from .judge import Verdict
from .submissions import explain_missing

_SESSION = None


class CheckFailed(AssertionError):
    def __init__(self, verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


@pytest.fixture
def judge():
    return _SESSION.judge


class GradingSession:
    """results: iterable of (submission, loaded, outcomes); sink(submission, loaded, verdicts)."""

    def __init__(self, results, sink):
        global _SESSION
        _SESSION = self
        self.results, self.sink = results, sink
        self.current = self.verdicts = None
        self.collected = 0

    def judge(self, case):
        submission, loaded, outcomes = self.current
        verdict = expected.verdict(case, outcomes.get(case.id), lambda function: explain_missing(function, loaded))
        self.verdicts[case.id] = verdict
        if not verdict.passed:
            raise CheckFailed(verdict)

    def _prepare(self, item):
        """Give a collected check its arguments once, for every student of the batch."""
        known = {"case": item.callspec.params.get("case"), "judge": self.judge}
        unknown = set(item._fixtureinfo.argnames) - set(known)
        if unknown:
            raise pytest.UsageError(f"{item.nodeid}: hidden checks take only `case` and `judge`, not {unknown}")
        item.funcargs.update({name: known[name] for name in item._fixtureinfo.argnames})

    def _run(self, item):
        """One check on the current student: pytest's own call of the test function, without the
        per-test setup, teardown and reports of a normal run (they would cost more than the check)."""
        try:
            item.runtest()
        except CheckFailed:
            pass
        except Exception as error:  # noqa: BLE001 - the check itself broke: say so, loudly
            case = item.callspec.params["case"]
            self.verdicts.setdefault(case.id, Verdict("error", f"grader error in {item.name}: "
                                                               f"{type(error).__name__}: {error}"[:300]))

    def pytest_runtestloop(self, session):
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} errors during collection of the checks")
        self.collected = len(session.items)
        expected.warm()
        for item in session.items:
            self._prepare(item)
        for result in self.results:
            self.current, self.verdicts = result, {}
            for item in session.items:
                self._run(item)
            self.sink(result[0], result[1], self.verdicts)
        return True
