"""What many tests need: the course, points per function, records by student."""
from autograder import course as _course

COURSE = _course.current()
POINTS = {g.name: g.points for g in COURSE.graded}
MAX = sum(POINTS.values())
ENTRIES = COURSE.content.catalogue_entries()

# gradient descent that changes phi0 in place (phi = phi0; phi -= ...): right values, wrong contract
IN_PLACE = """
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    phi = phi0
    path = [phi.copy()]
    for _ in range(n_steps):
        phi -= learning_rate * grad(phi, x, y)
        path.append(phi.copy())
    return np.array(path)
"""


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
