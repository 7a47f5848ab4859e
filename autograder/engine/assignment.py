"""The engine's view of the course's assignment: its cases in the order of the graded functions,
the call ids, and the stages they run in. Built from the assignment package's data; the graded
functions and their points come from the source notebooks (``course.graded``)."""
from functools import lru_cache

from .. import course as _course
from . import cases as _cases
from . import reference


def _course_or_current(course):
    return course or _course.current()


@lru_cache(maxsize=None)
def _all_cases(course):
    built = course.content.hidden_cases()
    names = [g.name for g in course.graded]
    if set(names) != set(built):
        missing, extra = sorted(set(names) - set(built)), sorted(set(built) - set(names))
        raise RuntimeError("the graded functions (the source notebooks' test_ cells) and the cases disagree: "
                           + "; ".join(filter(None, [missing and f"no cases for {missing}",
                                                     extra and f"cases but no grade cell for {extra}"])))
    found = tuple(c for name in names for c in built[name])
    ids = [c.id for c in found]
    if len(ids) != len(set(ids)):
        raise RuntimeError("case ids must be unique")
    empty = [name for name in names if not built[name]]
    if empty:
        raise RuntimeError(f"no cases for {empty}")
    return found


def all_cases(course=None):
    """Every case, in the order of the graded functions; a case's index is its call id."""
    return _all_cases(_course_or_current(course))


def cases_of(function, course=None):
    return tuple(c for c in all_cases(course) if c.function == function)


def builds_on(course=None):
    return dict(getattr(_course_or_current(course).content, "BUILDS_ON", {}))


@lru_cache(maxsize=None)
def _stages(course):
    return _cases.stages(_all_cases(course), builds_on(course), lambda names: reference.closure(names, course))


def stages(course=None):
    return _stages(_course_or_current(course))


def calls(course=None):
    return [case.call(i) for i, case in enumerate(all_cases(course))]


OWN = "own:"          # the key of a case's diagnosis run: with the student's own dependencies


def keys(course=None):
    """The outcome key of every call of ``plan``, by call id: the case id, or OWN + the case id."""
    cases = all_cases(course)
    builds = builds_on(course)
    own = [c.id for c in cases if c.function in builds]
    return [c.id for c in cases] + [OWN + cid for cid in own]


@lru_cache(maxsize=None)
def _plan(course):
    cases = _all_cases(course)
    builds = builds_on(course)
    every = [case.call(i) for i, case in enumerate(cases)]
    own_ids = {c.id: len(cases) + k for k, c in enumerate(c for c in cases if c.function in builds)}
    found, held = [], set()
    for stage in _stages(course):
        held |= stage.needs                # a restarted child gets everything its stage may hold
        calls = [every[i] for i in stage.ids]
        calls += [dict(every[i], id=own_ids[cases[i].id], own=True) for i in stage.ids if cases[i].id in own_ids]
        found.append((calls, tuple(sorted(reference.closure(held, course))) if stage.needs else None,
                      list(stage.inject)))
    return tuple(found)


def plan(course=None):
    """[(calls, names of the reference functions handed over or None, names to inject)] per stage. A function that builds on
    others runs each case twice: scored, with the reference versions of what it builds on; and,
    after its scored calls, for diagnosis only, with the student's own (``"own": true``)."""
    return _plan(_course_or_current(course))
