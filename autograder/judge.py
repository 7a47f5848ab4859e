"""Compare one output with the reference: the first divergent step, and what the mistake was.

Tolerance. Two values agree when |got - expected| <= ATOL + RTOL * |expected|, element by element,
at every step of a trajectory (NaN agrees only with NaN). RTOL = 1e-9, ATOL = 1e-12, because:
- every correct rewrite we know (loops or vectorised code, sums in another order, preallocated
  arrays, cumulative powers, the Sutskever momentum form, float32 inputs converted) stays within
  1.5e-5 tolerances of the reference on every case (about 1e-14 relative, rounding only);
- every catalogued mistake, wherever it differs at all, differs by at least 97 tolerances (the
  closest: normalised steps without eps, an O(eps) = 1e-7 relative effect); most by thousands.
``tests/test_tolerance.py`` measures both margins on every case and fails if either shrinks below
1000x inside or 50x outside. Computing in float32 (~1e-7 relative) fails: the contract is float64.
The reference side and the student side are decoded by the same code (``sandbox/worker.py``).
"""
import math
from dataclasses import dataclass, field

import numpy as np

RTOL = 1e-9
ATOL = 1e-12

STATUSES = ("passed", "failed", "error", "timeout", "not implemented")


class BadOutput(ValueError):
    """What came back from the sandbox is not a well-formed output."""


@dataclass(frozen=True)
class Output:
    kind: str                   # "array", "list", "probe" or "unsupported"
    value: object               # float64 ndarray, list of ndarrays, or a description
    note: str = ""              # what the student returned, in words

    @property
    def is_path(self):
        return self.kind == "array" and self.value.ndim == 2 and self.value.shape[1:] == (2,)


def decode(encoded):
    """Check and convert an encoded output (trusting nothing in it)."""
    if not isinstance(encoded, dict) or len(encoded) == 0:
        raise BadOutput("not an output")
    if "$array" in encoded:
        values, shape = encoded["$array"], encoded.get("shape")
        if not isinstance(values, list) or not isinstance(shape, list) or \
                not all(isinstance(s, int) and s >= 0 for s in shape) or \
                math.prod(shape) != len(values) or \
                not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise BadOutput("malformed array")
        array = np.array(values, dtype=np.float64).reshape(shape)
        return Output("array", array, f"{encoded.get('type', 'array')} of dtype {encoded.get('dtype', '?')}")
    if "$list" in encoded:
        items = [decode(item) for item in encoded["$list"]]
        if not all(i.kind == "array" for i in items):
            raise BadOutput("malformed list")
        return Output("list", [i.value for i in items], "a list of arrays")
    if "$probe" in encoded:
        items = [decode(item) for item in encoded["$probe"]]
        if not all(i.kind == "array" and i.value.size == 1 for i in items):
            return Output("unsupported", "a schedule that does not return one number per step")
        return Output("probe", np.array([float(i.value.ravel()[0]) for i in items]), "a schedule")
    if "$unsupported" in encoded and isinstance(encoded["$unsupported"], str):
        return Output("unsupported", encoded["$unsupported"][:200])
    raise BadOutput("unknown output kind")


@dataclass(frozen=True)
class Verdict:
    status: str
    message: str
    matched: str = None          # the accepted form or catalogued mistake it matches
    step: int = None             # first divergent step (or element, or batch)
    expected: object = None      # the reference at that step only
    got: object = None
    path: list = field(default=None, compare=False)             # the student's trajectory
    reference_prefix: list = field(default=None, compare=False)  # reference rows 0..step

    @property
    def passed(self):
        return self.status == "passed"

    def to_dict(self):
        return {k: v for k, v in self.__dict__.items() if v is not None}


def agree(expected, got):
    """Elementwise agreement within the tolerance (same shape assumed)."""
    with np.errstate(invalid="ignore"):
        close = np.abs(got - expected) <= ATOL + RTOL * np.abs(expected)
    return close | (np.isnan(got) & np.isnan(expected)) | (got == expected)


def same(expected, got):
    """True if two decoded outputs agree everywhere."""
    if expected.kind != got.kind:
        return False
    if expected.kind == "list":
        return len(expected.value) == len(got.value) and all(
            e.shape == g.shape and np.array_equal(e, g) for e, g in zip(expected.value, got.value))
    if expected.kind in ("array", "probe"):
        return expected.value.shape == got.value.shape and bool(np.all(agree(expected.value, got.value)))
    return False


def number(v):
    return f"{v:.10g}"


def show(values):
    values = np.atleast_1d(values)
    return "(" + ", ".join(number(v) for v in values) + ")" if values.size > 1 else number(values[0])


def compare(expected, got):
    """Verdict of ``got`` against the reference ``expected`` (both decoded), without the catalogue."""
    if same(expected, got):
        return Verdict("passed", "matches the reference")
    if got.kind == "unsupported":
        return Verdict("failed", f"returned {got.value}; {_wanted(expected)}")
    if expected.kind == "list":
        return _compare_batches(expected.value, got)
    if got.kind != "array" and expected.kind == "array" or got.kind == "list":
        return Verdict("failed", f"returned {got.note}; {_wanted(expected)}")
    e, g = expected.value, got.value
    if e.shape != g.shape:
        return Verdict("failed", _shape_message(e, g))
    if expected.is_path:
        return _compare_path(e, g)
    bad = ~agree(e, g)
    index = int(np.argmax(bad.ravel()))
    if e.ndim == 0:
        return Verdict("failed", f"expected {number(e)}, got {number(g)}", step=0,
                       expected=float(e), got=float(g))
    where = "t" if expected.kind == "probe" else "element"
    return Verdict("failed", f"first differs at {where} {index}: expected {number(e.ravel()[index])}, "
                             f"got {number(g.ravel()[index])}",
                   step=index, expected=float(e.ravel()[index]), got=float(g.ravel()[index]))


def _wanted(expected):
    if expected.kind == "list":
        return "expected a list of index arrays"
    if expected.kind == "probe":
        return "expected a function of the step number t"
    if expected.is_path:
        return f"expected a float64 array of shape {expected.value.shape} (one row per step, row 0 = phi0)"
    return f"expected a number or an array of shape {expected.value.shape}"


def _shape_message(e, g):
    if e.ndim == 2 and g.shape == e.shape[::-1]:
        return f"returned shape {g.shape}: the trajectory has one ROW per step, shape {e.shape}"
    if e.ndim == 2 and g.shape == (e.shape[0] - 1, 2):
        extra = " (your rows match steps 1.. of the reference)" if np.all(agree(e[1:], g)) else ""
        return f"returned {g.shape[0]} rows, expected {e.shape[0]}: row 0 must be phi0{extra}"
    if e.ndim == 2 and g.shape == (e.shape[0] + 1, 2):
        return f"returned {g.shape[0]} rows, expected {e.shape[0]}: one step too many"
    if e.ndim == 2 and g.shape == (2,):
        final = " (your values are the reference's final point)" if np.all(agree(e[-1], g)) else ""
        return f"returned only one point, shape (2,): return the whole trajectory, shape {e.shape}{final}"
    if e.ndim == 0 and g.size > 1:
        return f"returned an array of shape {g.shape}: expected one number (a sum over the points?)"
    return f"returned shape {g.shape}, expected shape {e.shape}"


def _compare_path(e, g):
    bad = ~agree(e, g)
    step = int(np.argmax(bad.any(axis=1)))
    verdict = dict(step=step, expected=e[step].tolist(), got=g[step].tolist(),
                   path=g.tolist(), reference_prefix=e[:step + 1].tolist())
    if len(g) > 2 and np.all(g == g[-1]) and not np.all(e == e[-1]):
        return Verdict("failed", "every row of the trajectory is the same point: you stored the same array "
                                 "object at each step (append phi.copy(), or build a new array each step)",
                       **verdict)
    finite = np.isfinite(g[step]).all() or not np.isfinite(e[step]).all()
    note = "" if finite else " (not finite: an overflow or a division by zero?)"
    return Verdict("failed", f"first differs at step {step} of {len(e) - 1}: expected {show(e[step])}, "
                             f"got {show(g[step])}{note}", **verdict)


def _compare_batches(expected, got):
    if got.kind != "list":
        return Verdict("failed", f"returned {got.note}: expected a list of {len(expected)} index arrays")
    g = got.value
    if len(g) != len(expected):
        return Verdict("failed", f"returned {len(g)} batches, expected {len(expected)} "
                                 f"(sizes {[len(b) for b in g[:8]]}{'...' if len(g) > 8 else ''})")
    for k, (e, b) in enumerate(zip(expected, g)):
        if e.shape != b.shape or not np.array_equal(e, b):
            return Verdict("failed", f"batch {k} (of {len(expected)}) differs: expected {e.astype(int).tolist()}, "
                                     f"got {b.astype(int).tolist()}", step=k,
                           expected=e.astype(int).tolist(), got=b.astype(int).tolist())
    return Verdict("failed", "differs from the reference")  # not reached: same() said no
