"""Points. A graded function's points are split over its cases in proportion to their weights
(equal by default), as exact fractions: the cases add up to the function, the functions to the
total, with no rounding anywhere.

Every point is earned: a degenerate case (zero steps, beta = 0, gamma = 0, a single batch: where the
method reduces to something simpler) checks an edge of the contract but pays its share only when
the function also passes a case that is not degenerate. So an implementation that is right only
where every method looks alike (one that never moves, momentum without (1 - beta) at beta = 0)
earns nothing for it."""
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


def function_result(graded, cases, results, explained=(None, None)):
    """The FunctionResult of one graded function from its CaseResults (updated with their points);
    ``explained``: (mistake, accepted) named for the whole function (``verdicts.explain``)."""
    earned = any(r.passed and not c.degenerate for c, r in zip(cases, results))
    for case, share, result in zip(cases, shares(cases, graded.points), results):
        result.max_points = share
        result.points = share if result.passed and (earned or not case.degenerate) else Fraction(0)
    mistake, accepted = explained
    notes = tuple(dict.fromkeys(n for r in results for n in r.notes))
    if not earned and any(r.passed for c, r in zip(cases, results) if c.degenerate):
        notes += ("the cases it passes are degenerate ones (where the method reduces to something simpler); "
                  "they pay only together with a case that is not",)
    return FunctionResult(function=graded.name, notebook=graded.notebook,
                          score=sum((r.points for r in results), Fraction(0)),
                          max_score=Fraction(graded.points).limit_denominator(10 ** 6),
                          passed=sum(r.passed for r in results), cases=len(results),
                          status=function_status([r.status for r in results]),
                          mistake=mistake, accepted=accepted, notes=notes)


def record(student, graded_functions, cases_of, results, problems=(), explained=None, **extra):
    """The Record of one submission: ``results`` maps case ids to CaseResults; ``explained``:
    function -> (mistake, accepted)."""
    functions, ordered = [], []
    for graded in graded_functions:
        cases = cases_of(graded.name)
        mine = [results.get(c.id) or CaseResult(case=c.id, function=c.function, about=c.about, dataset=c.dataset,
                                                 status="error", message="no result was recorded for this case",
                                                 grader_error=True)
                for c in cases]
        functions.append(function_result(graded, cases, mine, (explained or {}).get(graded.name, (None, None))))
        ordered += mine
    return Record(student=student, score=sum((f.score for f in functions), Fraction(0)),
                  max_score=sum((f.max_score for f in functions), Fraction(0)), functions=functions,
                  cases=ordered, problems=list(problems), **extra)
