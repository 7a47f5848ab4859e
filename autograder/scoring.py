"""Points: each graded function's points are split evenly over its cases."""
from . import course
from .cases import cases_of
from .judge import Verdict

DETAIL = ("matched", "step", "expected", "got", "path", "reference_prefix")


def function_status(statuses):
    if all(s == "passed" for s in statuses):
        return "passed"
    if len(set(statuses)) == 1:
        return statuses[0]
    return "partial" if "passed" in statuses else "failed"


def function_score(graded, verdicts):
    """(points earned, cases passed, cases) of one graded function."""
    cases = cases_of(graded.name)
    passed = sum(1 for c in cases if verdicts.get(c.id) is not None and verdicts[c.id].passed)
    return round(graded.points * passed / len(cases), 4), passed, len(cases)


def record(student, verdicts, problems=(), **extra):
    """The result record of one submission (the JSON shape of the README)."""
    checks, functions = [], []
    for graded in course.graded():
        cases = cases_of(graded.name)
        share = graded.points / len(cases)
        statuses = []
        for case in cases:
            verdict = verdicts.get(case.id) or Verdict("error", "no result was recorded for this case")
            statuses.append(verdict.status)
            check = {"name": case.id, "function": graded.name, "notebook": graded.notebook,
                     "case": case.about, "dataset": case.dataset, "score": round(share if verdict.passed else 0.0, 6),
                     "max_score": round(share, 6), "status": verdict.status, "message": verdict.message}
            check.update({k: getattr(verdict, k) for k in DETAIL if getattr(verdict, k) is not None})
            checks.append(check)
        score, passed, total = function_score(graded, verdicts)
        functions.append({"function": graded.name, "notebook": graded.notebook, "score": score,
                          "max_score": graded.points, "passed": passed, "cases": total,
                          "status": function_status(statuses)})
    return {"student": student,
            "score": round(sum(f["score"] for f in functions), 4),
            "max_score": sum(f["max_score"] for f in functions),
            "functions": functions, "checks": checks, "problems": list(problems), **extra}
