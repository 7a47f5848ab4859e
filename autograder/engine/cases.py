"""A hidden case (plain data: which function to call on which inputs) and the stages that keep
reference code away from the functions it could answer for.

The assignment builds its cases (``autograder/<assignment>/cases.py``) from the argument specs of
``protocol``; nothing here knows a function's name.
"""
from dataclasses import dataclass, field

from . import protocol


@dataclass(frozen=True)
class Case:
    function: str
    label: str                    # short, unique within the function: the pytest id
    about: str                    # the case in words, for feedback
    args: tuple
    kwargs: dict = field(default_factory=dict)
    probe: tuple = None           # for functions that return a schedule: evaluate it at these t
    weight: int = 1               # its share of the function's points
    degenerate: bool = False      # the method reduces to something simpler here: pays only with another case
    inputs: frozenset = field(init=False)     # reference functions its arguments hand over
    dataset: str = field(init=False)          # the dataset it runs on, or None

    def __post_init__(self):
        specs = (list(self.args), self.kwargs)
        object.__setattr__(self, "inputs", frozenset(protocol.inputs_named(specs)))
        found = sorted(protocol.datasets_named(specs))
        object.__setattr__(self, "dataset", found[0] if len(found) == 1 else None)

    @property
    def id(self):
        return f"{self.function}[{self.label}]"

    def __hash__(self):
        return hash(self.id)

    def call(self, index):
        call = {"id": index, "function": self.function, "args": list(self.args), "kwargs": dict(self.kwargs)}
        if self.probe is not None:
            call["probe"] = list(self.probe)
        return call

    def __str__(self):
        return self.label


@dataclass(frozen=True)
class Stage:
    """Calls that run together in a child; ``needs``: the reference functions it receives when it
    starts; ``inject``: graded functions replaced by the reference in the student's namespaces."""
    needs: frozenset
    ids: tuple
    inject: tuple


def needs(case, builds_on, closure):
    """The reference functions the student's code gets on this case (and what they call)."""
    names = set(case.inputs) | set(builds_on.get(case.function, ()))
    return closure(names) if names else frozenset()


def stages(cases, builds_on, closure):
    """The order in which one submission's calls run: [Stage], call ids = indices in ``cases``.

    A function's stage is one more than the latest stage of a graded function it needs, so every
    function is checked before any stage that holds its reference: no answer can be copied from
    what the grader hands over."""
    graded = {c.function for c in cases}
    by_function = {}
    for case in cases:
        by_function.setdefault(case.function, []).append(case)
    level = {}

    def stage_of(function):
        if function not in level:
            wanted = {n for c in by_function[function] for n in needs(c, builds_on, closure)} & graded - {function}
            level[function] = 1 + max((stage_of(n) for n in wanted), default=-1)
        return level[function]

    found = {}
    for index, case in enumerate(cases):
        held, ids, inject = found.setdefault(stage_of(case.function), (set(), [], set()))
        held |= needs(case, builds_on, closure)
        ids.append(index)
        inject |= set(builds_on.get(case.function, ()))
    return [Stage(frozenset(found[k][0]), tuple(found[k][1]), tuple(sorted(found[k][2]))) for k in sorted(found)]
