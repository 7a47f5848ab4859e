"""The student corpus of issue 11: how students really write each graded function, and what a fair
grader must say about each version.

Plain data, importable without the grader (no numpy, no autograder):

    from tests.corpus import ENTRIES            # or, with tests/ on sys.path: from corpus import ENTRIES
    for impl in ENTRIES: impl.function, impl.label, impl.code, impl.expect, impl.also, impl.note

``expect`` is one of
- ``"full"``: a correct rewrite; must get full marks on its function;
- ``"accepted:<form name>"``: an accepted variant (catalogue name); full marks, that form may be named;
- ``"named:<mistake name>"``: a catalogued mistake written a student's way (not copied from the
  catalogue), or one the grader names by a rule (``names.py``); must lose points and be
  given exactly that name;
- ``"wrong"``: a real bug the catalogue does not describe (often a near miss of an entry); must lose
  points and must not be given any name;
- ``"zero"``: a do-nothing or constant implementation; must earn 0 points on its function;
- ``"types:<note>"``: the right values in another container (a list of arrays, a list of lists, a
  tuple, batches as lists of ints); full marks, with a note about the contract's type;
- ``"inplace"``: changes an input array (phi0, phi, x, y or a batch) in place; must lose points with
  the named mistake "changed phi0 in place" (naming what changed).

``also`` maps another graded function to the student's own version of it, written into the same
submission (e.g. a ``gabor_gradient`` that calls the student's ``gabor_model`` with /8). Points of
those functions are not counted as "lost outside the entry".

One module per notebook part (``part1_gradients`` ... ``part5_adam``); ``run.py`` builds one
submission per entry, grades them in one batch and compares with these expectations.
"""
from dataclasses import dataclass
import textwrap

KINDS = ("full", "accepted", "named", "wrong", "zero", "types", "inplace")


@dataclass(frozen=True)
class Impl:
    function: str           # the graded function this entry is an answer for
    label: str              # short, unique within the function
    code: str               # the whole answer cell, as a student would write it
    expect: str             # see the module docstring
    also: dict = None       # {other graded function: its code} written into the same submission
    note: str = ""          # why this entry is here / what it shows

    def __post_init__(self):
        object.__setattr__(self, "code", _clean(self.code))
        if self.also:
            object.__setattr__(self, "also", {k: _clean(v) for k, v in self.also.items()})
        if self.kind not in KINDS:
            raise ValueError(f"{self.function}/{self.label}: unknown expect {self.expect!r}")
        if self.kind in ("accepted", "named", "types") and not self.detail:
            raise ValueError(f"{self.function}/{self.label}: {self.kind} needs ':<name or note>'")

    @property
    def kind(self):
        return self.expect.split(":", 1)[0]

    @property
    def detail(self):
        """The form name, mistake name or type note after the colon ('' if none)."""
        return self.expect.split(":", 1)[1] if ":" in self.expect else ""

    @property
    def key(self):
        """A folder-safe unique id: function--label."""
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in self.label)
        return f"{self.function}--{safe}"

    def answers(self):
        """{function: code} for fabricate.make_submission (this entry and its ``also``)."""
        return {**(self.also or {}), self.function: self.code}


def _clean(code):
    return textwrap.dedent(code).strip("\n") + "\n"


def _collect():
    from . import part1_gradients, part2_descent, part3_sgd, part4_momentum, part5_adam
    found = []
    for module in (part1_gradients, part2_descent, part3_sgd, part4_momentum, part5_adam):
        found += module.ENTRIES
    keys = [e.key for e in found]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValueError(f"duplicate corpus keys: {duplicates}")
    return tuple(found)


ENTRIES = _collect()


def by_function():
    out = {}
    for e in ENTRIES:
        out.setdefault(e.function, []).append(e)
    return out
