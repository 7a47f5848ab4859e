"""What many tests need: the course, points per function, records by student."""
from autograder import course as _course

from .corpus import ENTRIES as CORPUS

COURSE = _course.current()
POINTS = {g.name: g.points for g in COURSE.graded}
MAX = sum(POINTS.values())
ENTRIES = COURSE.content.catalogue_entries()

# gradient descent that changes phi0 in place (phi = phi0; phi -= ...): right values, wrong contract
IN_PLACE = next(i.code for i in CORPUS if (i.function, i.label) == ("gradient_descent", "alias-phi0"))


def entry(name, function=None):
    """The catalogue entry of that name (of ``function``: two functions may share a name)."""
    found = [e for e in ENTRIES if e.name == name and function in (None, e.function)]
    assert len(found) == 1, f"{len(found)} catalogue entries named {name!r}"
    return found[0]


def by_student(records):
    return {r.student: r for r in records}


def scores(record):
    """{function: points} of a Record."""
    return {f.function: float(f.score) for f in record.functions}


def cases_of(record, function):
    return record.cases_of(function)
