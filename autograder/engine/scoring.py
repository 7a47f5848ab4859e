"""Points. A graded function's points are split over its cases in proportion to their weights
(equal by default), as exact fractions: the cases add up to the function, the functions to the
total, with no rounding anywhere."""
from collections import Counter
from fractions import Fraction

from .results import CaseResult, FunctionResult, Record


def shares(cases, points):
    """The exact points of each case of one function (weights, else equal shares)."""
    total = sum(c.weight for c in cases)
    points = Fraction(points).limit_denominator(10 ** 6)
    return [points * c.weight / total if total else Fraction(0) for c in cases]


def function_status(statuses):
    if all(s == "passed" for s in statuses):
        return "passed"
    if len(set(statuses)) == 1:
        return statuses[0]
    return "partial" if "passed" in statuses else "failed"


def function_result(graded, cases, results):
    """The FunctionResult of one graded function from its CaseResults (updated with their points)."""
    for case, share, result in zip(cases, shares(cases, graded.points), results):
        result.max_points = share
        result.points = share if result.passed else Fraction(0)
    failing = [r for r in results if not r.passed]
    named = Counter(r.mistake for r in failing if r.mistake)
    accepted = Counter(r.accepted for r in results if r.accepted)
    notes = tuple(dict.fromkeys(n for r in results for n in r.notes))
    return FunctionResult(function=graded.name, notebook=graded.notebook,
                          score=sum((r.points for r in results), Fraction(0)),
                          max_score=Fraction(graded.points).limit_denominator(10 ** 6),
                          passed=sum(r.passed for r in results), cases=len(results),
                          status=function_status([r.status for r in results]),
                          mistake=named.most_common(1)[0][0] if named else None,
                          accepted=accepted.most_common(1)[0][0] if accepted else None, notes=notes)


def record(student, graded_functions, cases_of, results, problems=(), **extra):
    """The Record of one submission: ``results`` maps case ids to CaseResults."""
    functions, ordered = [], []
    for graded in graded_functions:
        cases = cases_of(graded.name)
        mine = [results.get(c.id) or CaseResult(case=c.id, function=c.function, about=c.about, dataset=c.dataset,
                                                 status="error", message="no result was recorded for this case",
                                                 grader_error=True)
                for c in cases]
        functions.append(function_result(graded, cases, mine))
        ordered += mine
    return Record(student=student, score=sum((f.score for f in functions), Fraction(0)),
                  max_score=sum((f.max_score for f in functions), Fraction(0)), functions=functions,
                  cases=ordered, problems=list(problems), **extra)
