"""Compare one output with the reference: the first divergent step, and what differs.

Tolerance. Two values agree when |got - expected| <= ATOL + RTOL * |expected|, element by element,
at every step of a trajectory (NaN agrees only with NaN). RTOL = 1e-9, ATOL = 1e-12, because:
- every correct rewrite we know (loops or vectorised code, sums in another order, preallocated
  arrays, cumulative powers, the Sutskever momentum form, float32 inputs converted) stays within
  1.5e-5 tolerances of the reference on every case (about 1e-14 relative, rounding only);
- every catalogued mistake, wherever it differs at all, differs by at least 97 tolerances (the
  closest: normalised steps without eps, an O(eps) = 1e-7 relative effect); most by thousands.
``tests/test_tolerance.py`` measures both margins on every case and fails if either shrinks below
1000x inside or 50x outside. Computing in float32 (~1e-7 relative) fails: the contract is float64.

Types. What matters is the values: an array-like with the right shape and values (a list of
arrays, a list of lists, a tuple) is compared on its values, with a note that the contract asks
for a float64 array; likewise index batches given as lists of ints.
"""
from dataclasses import dataclass

import numpy as np

RTOL = 1e-9
ATOL = 1e-12
VISIBLE = 1e-6          # a relative difference below this is invisible in any plot or printout


@dataclass
class Comparison:
    passed: bool
    message: str
    step: int = None             # first divergent step (or element, or batch)
    expected: object = None      # the reference at that step only
    got: object = None
    path: list = None            # the student's trajectory
    reference_prefix: list = None  # reference rows 0..step
    notes: tuple = ()


def as_array(output):
    """The output's values as one float64 array, if it is an array or a rectangular sequence of
    numbers and arrays (None otherwise)."""
    if output.kind == "array":
        return output.value
    if output.kind != "seq":
        return None
    items = [as_array(item) for item in output.value]
    if any(i is None for i in items) or len({i.shape for i in items}) > 1:
        return None
    return np.array(items, dtype=np.float64) if items else np.zeros(0)


def as_batches(output):
    """The output as a list of 1-D arrays (index batches), or None."""
    if output.kind == "seq":
        items = [as_array(item) for item in output.value]
        return None if any(i is None or i.ndim != 1 for i in items) else items
    if output.kind == "array" and output.value.ndim == 2:
        return list(output.value)
    return None


def _dtypes(output):
    if output.kind == "array":
        return {output.dtype}
    if output.kind == "seq":
        return set().union(*(_dtypes(i) for i in output.value)) if output.value else set()
    return set()


def type_note(output, wanted):
    """A note when values were graded from another container than the contract's."""
    if output.kind == "array" and (output.type == "ndarray" or (wanted == "a number" and output.value.ndim == 0)):
        return ()                                  # an array, or any number where a number is asked for
    if output.kind == "seq":
        inner = {i.type for i in output.value}
        what = _a(output.type) + (f" of {inner.pop()}" if len(inner) == 1 else "")
    else:
        what = _a(output.type)
    return (f"your function returned {what}; it was graded on its values, but the contract asks for {wanted}",)


def _a(noun):
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def low_precision(output):
    """The dtypes of the output that cannot hold the contract's float64 values (float32, float16,
    integers), as a sorted tuple."""
    return tuple(sorted(d for d in _dtypes(output) if d in ("float32", "float16") or d.startswith(("int", "uint"))))


def precision_note(output):
    low = low_precision(output)
    return f" Your values are {', '.join(low)}: compute in float64 (np.array(..., dtype=float))." if low else ""


def summary(output):
    """A short text of a value, for notes (a number, a short vector, or the final point of a path)."""
    if output.kind == "seq" and as_batches(output) is not None:
        batches = as_batches(output)
        return f"{len(batches)} batches" + (f", the first {_ints(batches[0])}" if batches else "")
    values = as_array(output)
    if values is None:
        return f"a {output.type}"
    if values.size == 0:
        return f"an empty {output.type}"
    if values.ndim == 2 and values.shape[1:] == (2,) and len(values):
        return f"a path ending at {show(values[-1])}"
    return show(values) if values.size <= 4 else f"an array of shape {values.shape}"


def agree(expected, got):
    """Elementwise agreement within the tolerance (same shape assumed)."""
    with np.errstate(invalid="ignore"):
        close = np.abs(got - expected) <= ATOL + RTOL * np.abs(expected)
    return close | (np.isnan(got) & np.isnan(expected)) | (got == expected)


def same(expected, got):
    """True if two decoded outputs agree everywhere (the catalogue's and a student's)."""
    if expected.kind == "probe":
        e, g = probe_values(expected), probe_values(got)
    elif expected.kind == "seq":
        e, g = as_batches(expected), as_batches(got)
        return e is not None and g is not None and len(e) == len(g) and \
            all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(e, g))
    else:
        e, g = as_array(expected), as_array(got)
    return e is not None and g is not None and e.shape == g.shape and bool(np.all(agree(e, g)))


def probe_values(output):
    """A schedule's values (one number per t), or None."""
    if output.kind != "probe":
        return None
    values = [as_array(i) for i in output.value]
    if any(v is None or v.size != 1 for v in values):
        return None
    return np.array([float(v.ravel()[0]) for v in values])


def number(v):
    return f"{v:.10g}"


def show(values):
    values = np.atleast_1d(values).ravel()
    return "(" + ", ".join(number(v) for v in values) + ")" if values.size != 1 else number(values[0])


def is_path(array):
    return array is not None and array.ndim == 2 and array.shape[1:] == (2,)


def compare(expected, got, probe=None):
    """The Comparison of ``got`` with the reference ``expected`` (both decoded Outputs); ``probe``:
    the t at which a schedule was evaluated, if it is one."""
    if got.kind == "none":
        return Comparison(False, "returned None — missing return?")
    if got.kind == "unsupported":
        return Comparison(False, f"returned {got.value}; {_wanted(expected)}")
    if expected.kind == "seq":
        return _compare_batches(as_batches(expected), got)
    if expected.kind == "probe":
        return _compare_probe(probe_values(expected), got, probe)
    e, g = as_array(expected), as_array(got)
    if g is None:
        return Comparison(False, f"returned a {got.type} that is not an array of numbers; {_wanted(expected)}")
    wanted = f"a float64 array of shape {e.shape}" if e.ndim else "a number"
    notes = type_note(got, wanted)
    if e.shape != g.shape:
        return Comparison(False, _shape_message(e, g), notes=notes)
    if is_path(e):
        found = _compare_path(e, g, got)
    elif bool(np.all(agree(e, g))):
        found = Comparison(True, "matches the reference")
    elif e.ndim == 0:
        found = Comparison(False, f"expected {number(e)}, got {number(g)}" + precision_note(got), step=0,
                           expected=float(e), got=float(g))
    else:
        index = int(np.argmax(~agree(e, g).ravel()))
        found = Comparison(False, f"first differs at element {index}: expected {number(e.ravel()[index])}, "
                                  f"got {number(g.ravel()[index])}" + precision_note(got),
                           step=index, expected=float(e.ravel()[index]), got=float(g.ravel()[index]))
    found.notes = notes + found.notes
    return found


def _wanted(expected):
    if expected.kind == "seq":
        return "expected a list of index arrays"
    if expected.kind == "probe":
        return "expected a function of the step number t"
    e = as_array(expected)
    if is_path(e):
        return f"expected a float64 array of shape {e.shape} (one row per step, row 0 = phi0)"
    return f"expected a number or an array of shape {e.shape}"


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


def _compare_path(e, g, got):
    bad = ~agree(e, g)
    if not bad.any():
        return Comparison(True, "matches the reference")
    step = int(np.argmax(bad.any(axis=1)))
    details = dict(step=step, expected=e[step].tolist(), got=g[step].tolist(),
                   path=g.tolist(), reference_prefix=e[:step + 1].tolist())
    if len(g) > 2 and np.all(g == g[-1]) and not np.all(e == e[-1]):
        return Comparison(False, "every row of the trajectory is the same point: you stored the same array "
                                 "object at each step (append phi.copy(), or build a new array each step)",
                          **details)
    finite = np.isfinite(g[step]).all() or not np.isfinite(e[step]).all()
    note = "" if finite else " (not finite: an overflow or a division by zero?)"
    message = f"first differs at step {step} of {len(e) - 1}: expected {show(e[step])}, got {show(g[step])}{note}"
    with np.errstate(all="ignore"):
        relative = np.abs(g - e) / np.maximum(np.abs(e), 1e-300)
    visible = np.flatnonzero((relative > VISIBLE).any(axis=1) | ~np.isfinite(g).all(axis=1))
    if finite and relative[step].max() <= VISIBLE and len(visible):
        message += (f"; that is a relative difference of {relative[step].max():.1g}, too small to see: "
                    f"the paths visibly part at step {int(visible[0])}")
    return Comparison(False, message + precision_note(got), **details)


def _compare_probe(e, got, probe):
    g = probe_values(got)
    if g is None:
        return Comparison(False, "returned a schedule that does not return one number per step"
                          if got.kind == "probe" else f"returned a {got.type}; expected a function of the step number t")
    if len(g) != len(e):
        return Comparison(False, f"returned a schedule with {len(g)} values for {len(e)} steps")
    if bool(np.all(agree(e, g))):
        return Comparison(True, "matches the reference")
    index = int(np.argmax(~agree(e, g)))
    t = probe[index] if probe is not None and index < len(probe) else index
    where = f" (asked for t in the order {', '.join(map(str, probe[:6]))}, ...: a schedule depends on t only)" \
        if probe is not None and list(probe) != sorted(probe) else ""
    return Comparison(False, f"first differs at t = {t}: expected {number(e[index])}, got {number(g[index])}{where}",
                      step=index, expected=float(e[index]), got=float(g[index]))


def _compare_batches(expected, got):
    g = as_batches(got)
    if g is None:
        return Comparison(False, f"returned a {got.type}: expected a list of {len(expected)} index arrays")
    notes = () if got.kind == "seq" and got.type == "list" and all(i.kind == "array" and i.type == "ndarray"
                                                                    for i in got.value) else \
        type_note(got, "a list of integer index arrays")
    if len(g) != len(expected):
        return Comparison(False, f"returned {len(g)} batches, expected {len(expected)} "
                                 f"(sizes {[len(b) for b in g[:8]]}{'...' if len(g) > 8 else ''})", notes=notes)
    for k, (e, b) in enumerate(zip(expected, g)):
        if e.shape != b.shape or not np.array_equal(e, b):
            shown = _ints(b[:len(e) + SHOWN_EXTRA])                 # a batch of any length costs a few lines
            more = f"... ({b.size} indices)" if b.size > len(shown) else ""
            return Comparison(False, f"batch {k} (of {len(expected)}) differs: expected {e.astype(int).tolist()}, "
                                     f"got {shown}{more}", step=k, expected=e.astype(int).tolist(), got=shown,
                              notes=notes)
    return Comparison(True, "matches the reference", notes=notes)


SHOWN_EXTRA = 8          # indices shown beyond the expected batch's length


def _ints(values):
    return [int(v) if float(v).is_integer() else float(v) for v in values]
