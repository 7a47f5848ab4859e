"""The grader's results as typed records, and their JSON form (written and read here only).

    CaseResult      one hidden case of one function: status, message, the first divergent step
    FunctionResult  one graded function: points, cases passed, the mistake or accepted form named
    Problem         something wrong with the submission itself (a missing or unreadable notebook...)
    Record          one submission: all of the above, and how it was graded

Exporters (text tables, gradebook, Gradescope, feedback pages) read these fields; none parses a
message. Points are exact fractions of a function's points (``Fraction``), floats only in JSON.
"""
from dataclasses import asdict, dataclass, field, fields
from fractions import Fraction

STATUSES = ("passed", "failed", "error", "timeout", "not implemented")
FUNCTION_STATUSES = STATUSES + ("partial",)

# Problem kinds: what was wrong with the submission's files or their loading
PROBLEM_KINDS = ("missing", "too_large", "not_a_file", "unreadable", "invalid", "syntax", "load_error",
                 "renamed", "retyped", "grader_error")
NOTE_KINDS = ("renamed", "retyped")       # handed in oddly, graded anyway: notes, not problems


@dataclass(frozen=True)
class Match:
    """A catalogued mistake or accepted variant that explains a function's output."""
    name: str
    hint: str = ""
    accepted: bool = False


@dataclass
class CaseResult:
    case: str                     # the case id, e.g. "adam[gabor-(-1.5, 6.5)-lr0.1-36b]"
    function: str
    about: str                    # the case in words
    status: str
    message: str
    dataset: str = None
    points: Fraction = Fraction(0)
    max_points: Fraction = Fraction(0)
    matches: tuple = ()           # names of catalogue entries whose output equals this one
    mistake: Match = None         # the catalogued mistake named on this case
    accepted: Match = None        # the accepted variant this case passed as
    step: int = None              # first divergent step (or element, or batch)
    expected: object = None       # the reference at that step only
    got: object = None
    path: list = None             # the student's trajectory
    reference_prefix: list = None  # reference rows 0..step
    notes: tuple = ()             # e.g. "returned a list of arrays: graded on its values"
    grader_error: bool = False    # the grader itself failed on this case

    @property
    def passed(self):
        return self.status == "passed"


@dataclass
class FunctionResult:
    function: str
    notebook: str
    score: Fraction
    max_score: Fraction
    passed: int
    cases: int
    status: str
    mistake: Match = None
    accepted: Match = None
    notes: tuple = ()


@dataclass(frozen=True)
class Problem:
    kind: str
    message: str
    notebook: str = None          # the notebook it is about
    file: str = None              # the file as handed in, when another name (kind "renamed")
    reported: bool = False        # reported from the sandbox: its text is the student's code's to choose


@dataclass
class Record:
    student: str
    score: Fraction
    max_score: Fraction
    functions: list               # of FunctionResult
    cases: list                   # of CaseResult
    problems: list = field(default_factory=list)   # of Problem
    path: str = None
    sandbox: str = None           # the sandbox tier it was graded in
    checks_version: str = None
    key: str = None               # the submission folder, resolved (the ledger's key)
    fingerprint: str = None       # of its files

    def function(self, name):
        return next(f for f in self.functions if f.function == name)

    def cases_of(self, function):
        return [c for c in self.cases if c.function == function]

    @property
    def grader_failed(self):
        return any(c.grader_error for c in self.cases) or any(p.kind == "grader_error" for p in self.problems)


# ---------------------------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------------------------

POINT_FIELDS = {"points", "max_points", "score", "max_score"}


_NAMES = {}


def _dict(item):
    """One record's fields as JSON data; empty fields (None, (), False) are left out."""
    names = _NAMES.get(type(item)) or _NAMES.setdefault(type(item), [f.name for f in fields(item)])
    out = {}
    for name in names:
        value = getattr(item, name)
        if value is None or value == () or value is False:
            continue
        kind = type(value)
        if kind is Fraction:
            out[name] = float(value)
            if value.denominator != 1:
                out[name + "_exact"] = str(value)
        elif kind is Match:
            out[name] = asdict(value)
        elif kind is tuple:
            out[name] = list(value)
        else:
            out[name] = value
    return out


def to_json(record):
    """The record as plain JSON data."""
    data = _dict(record)
    data["functions"] = [_dict(f) for f in record.functions]
    data["cases"] = [_dict(c) for c in record.cases]
    data["problems"] = [_dict(p) for p in record.problems]
    return data


def _points(data, name):
    exact = data.get(name + "_exact")
    return Fraction(exact) if exact else Fraction(data.get(name, 0)).limit_denominator(10 ** 6)


def _build(cls, data):
    known = {f.name for f in fields(cls)}
    values = {k: v for k, v in data.items() if k in known}
    for name in POINT_FIELDS & known:
        if isinstance(data.get(name), (int, float)):
            values[name] = _points(data, name)
    for name in ("mistake", "accepted"):
        if isinstance(values.get(name), dict):
            values[name] = Match(**values[name])
    for name in ("matches", "notes"):
        if name in values:
            values[name] = tuple(values[name])
    return cls(**values)


def from_json(data):
    """A Record from ``to_json``'s data."""
    return _build(Record, dict(data, functions=[_build(FunctionResult, f) for f in data.get("functions", ())],
                               cases=[_build(CaseResult, c) for c in data.get("cases", ())],
                               problems=[_build(Problem, p) for p in data.get("problems", ())]))


def format_points(value):
    """Points as everyone sees them: two decimals."""
    return f"{float(value):.2f}"


def points_word(value):
    return "point" if value == 1 else "points"
