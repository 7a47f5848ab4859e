"""The pytest side of grading: one collection of the hidden checks grades a stream of submissions.

``GradingSession`` is registered as a plugin object; its ``pytest_runtestloop`` runs every collected
check once per submission (pytest collects once per batch, not once per student) and hands each
submission's verdicts to a sink. Checks get the ``judge`` fixture: ``judge(case)`` records the
verdict of the current submission on that case and fails the test unless it passed.
"""
import pytest

from . import expected
from .judge import Verdict

_SESSION = None


class CheckFailed(AssertionError):
    def __init__(self, verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


@pytest.fixture
def judge():
    return _SESSION.judge


class GradingSession:
    """results: iterable of (submission, reading, loaded, outcomes); sink(submission, reading, verdicts)."""

    def __init__(self, results, sink):
        global _SESSION
        _SESSION = self
        self.results, self.sink = results, sink
        self.current = self.verdicts = None
        self.collected = 0

    def judge(self, case):
        submission, reading, loaded, outcomes = self.current
        errors = (loaded or {}).get("errors", ())
        from .submissions import explain_missing
        verdict = expected.verdict(case, outcomes.get(case.id),
                                   lambda function: explain_missing(function, reading, errors))
        self.verdicts[case.id] = verdict
        if not verdict.passed:
            raise CheckFailed(verdict)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item, call):
        report = yield
        if call.when == "call" and call.excinfo is not None and not isinstance(call.excinfo.value, CheckFailed):
            case = item.callspec.params["case"]            # the check itself broke: say so, loudly
            self.verdicts.setdefault(case.id, Verdict("error", f"grader error in {item.name}: "
                                                               f"{call.excinfo.exconly()[:300]}"))
        return report

    def pytest_runtestloop(self, session):
        if session.testsfailed and not session.config.option.continue_on_collection_errors:
            raise session.Interrupted(f"{session.testsfailed} errors during collection of the checks")
        self.collected = len(session.items)
        expected.warm()
        for result in self.results:
            self.current, self.verdicts = result, {}
            for item in session.items:
                item.config.hook.pytest_runtest_protocol(item=item, nextitem=None)
            self.sink(result[0], result[1], result[2], self.verdicts)
        return True
