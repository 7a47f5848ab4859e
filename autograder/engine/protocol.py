"""The sandbox's wire protocol: everything that crosses the boundary between the grader and the
student's code, on one page.

The worker imports this file inside the sandbox as a top-level module (so it imports only the
standard library and numpy); the grader, the reference runner and the in-cell grader import it as
``autograder.engine.protocol``. One code path each way:

- argument specs: plain JSON for a case's inputs (``vec``, ``data``, ...); ``decode_arg`` makes the
  values a student function receives, the same way for the student, the reference and the catalogue;
- outputs: ``encode_output`` (what a function returned, as JSON) and ``decode_output`` (in the
  grader: checks every field, trusts nothing);
- outcomes: ``run_call`` calls one function on a case and maps what happened (a value, an
  exception, a timeout, an input changed in place) to an outcome, the one such mapping;
- messages: one JSON object per line, size-capped; ``parse_message`` validates a message against
  ``MESSAGES`` and cleans every string in it (``clean_text``).
"""
import json
import math
import re
import signal
import sys

import numpy as np

MAX_ELEMENTS = 100_000          # numbers per output: far above any correct answer
MAX_MESSAGE = 4 << 20           # bytes per message from the sandbox (MAX_ELEMENTS numbers fit)
MAX_OBJECTS = 20_000            # JSON objects and arrays per message: parsing costs the grader little
MAX_TEXT = 2000                 # characters per string from the sandbox

# outcome kinds: what one call of a student function did
VALUE = "value"                           # returned (the output says what)
NOT_IMPLEMENTED = "not_implemented"       # still raises NotImplementedError
TIMEOUT = "timeout"                       # over its time limit
EXCEPTION = "exception"                   # raised something else
MISSING = "missing"                       # the function is not defined
SKIPPED = "skipped"                       # not run: an earlier case of the function timed out
CRASHED = "crashed"                       # the process running it died
PROTOCOL = "protocol"                     # the sandbox sent something it must not
NOT_LOADED = "not_loaded"                 # the notebooks' definitions did not load
KINDS = (VALUE, NOT_IMPLEMENTED, TIMEOUT, EXCEPTION, MISSING, SKIPPED, CRASHED, PROTOCOL, NOT_LOADED)


class ProtocolError(ValueError):
    """A message from the sandbox that breaks the protocol."""


class BadOutput(ValueError):
    """An encoded output that is not well formed."""


class CallTimeout(BaseException):
    """Raised inside student code by the call's timer (BaseException: ``except Exception`` in
    student code cannot swallow it)."""


# ---------------------------------------------------------------------------------------------
# Text from the sandbox
# ---------------------------------------------------------------------------------------------

# control characters (terminal escapes), lone surrogates and bidirectional overrides
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text, limit=MAX_TEXT):
    """Any string a student can produce, made safe for every exporter: control characters
    (terminal escapes included), lone surrogates and bidirectional overrides replaced, newlines and
    tabs kept, capped."""
    text = _UNSAFE.sub("\ufffd", text if type(text) is str else str(text))
    return text if len(text) <= limit else text[:limit - 1] + "…"


# ---------------------------------------------------------------------------------------------
# Argument specs: plain JSON in, numpy and callables out
# ---------------------------------------------------------------------------------------------

def vec(*values):
    """A float64 array."""
    return {"$array": [float(v) for v in values]}


def data(name, part, index=None):
    """Part "x" or "y" of a dataset, or of the points ``index`` of it."""
    spec = {"$data": name, "part": part}
    return spec if index is None else {"$subset": spec, "index": [int(i) for i in index]}


def given(name):
    """A reference function handed to the student's code (a loss, a gradient, a test function)."""
    return {"$input": name}


def given_call(name, *args):
    """What a reference function returns for ``args`` (e.g. a schedule made by the reference)."""
    return {"$call": name, "args": list(args)}


def batches(list_of_arrays):
    return {"$batches": [[int(i) for i in b] for b in list_of_arrays]}


def rng(kind, seed):
    """A new ``np.random.RandomState(seed)`` or ``np.random.default_rng(seed)``."""
    return {"$rng": kind, "seed": int(seed)}


def line(name, phi, direction):
    """The 1-D function a -> name(phi - a * direction)."""
    return {"$slice": [name, [float(v) for v in phi], [float(v) for v in direction]]}


def _walk(spec):
    if isinstance(spec, (list, tuple)):
        for item in spec:
            yield from _walk(item)
    elif isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from _walk(value)


def inputs_named(spec):
    """The reference functions a spec needs (``given``, ``given_call``, ``line``)."""
    found = set()
    for node in _walk(spec):
        if "$input" in node or "$call" in node:
            found.add(node.get("$input", node.get("$call")))
        elif "$slice" in node:
            found.add(node["$slice"][0])
    return found


def datasets_named(spec):
    return {node["$data"] for node in _walk(spec) if "$data" in node}


def decode_arg(spec, env):
    """One argument spec -> the value a function receives. ``env``: {"datasets": {name: (x, y)},
    "inputs": {name: function}}."""
    if isinstance(spec, list):
        return [decode_arg(s, env) for s in spec]
    if not isinstance(spec, dict):
        return spec
    if "$array" in spec:
        return np.array(spec["$array"], dtype=spec.get("dtype", "float64"))
    if "$batches" in spec:
        return [np.array(b, dtype=np.intp) for b in spec["$batches"]]
    if "$data" in spec:
        x, y = env["datasets"][spec["$data"]]
        return (x if spec["part"] == "x" else y).copy()
    if "$subset" in spec:
        return decode_arg(spec["$subset"], env)[np.array(spec["index"], dtype=np.intp)]
    if "$input" in spec:
        return env["inputs"][spec["$input"]]
    if "$call" in spec:
        return env["inputs"][spec["$call"]](*spec["args"])
    if "$rng" in spec:
        return getattr(np.random, spec["$rng"])(spec["seed"])
    if "$slice" in spec:
        name, phi, direction = spec["$slice"]
        loss, phi, direction = env["inputs"][name], np.array(phi), np.array(direction)
        return lambda a: loss(phi - a * direction)
    raise ValueError(f"unknown argument spec {sorted(spec)}")


# ---------------------------------------------------------------------------------------------
# Outputs: what a function returned, as JSON, and back
# ---------------------------------------------------------------------------------------------

def _type_name(value):
    kind = type(value)
    return kind.__name__ if kind.__module__ in ("builtins", "numpy") else f"{kind.__module__}.{kind.__name__}"


def _encode(value, budget):
    """``budget``: [numbers, JSON objects] still allowed (each item costs at most 3 objects)."""
    if value is None:
        return {"$none": True}
    budget[1] -= 3
    if budget[1] < 0:
        return {"$unsupported": "too many nested items"}
    if isinstance(value, (list, tuple)):
        if len(value) > budget[0] or 3 * len(value) > budget[1]:
            return {"$unsupported": f"a {type(value).__name__} of {len(value)} items (too many)"}
        budget[0] -= len(value)
        return {"$seq": [_encode(v, budget) for v in value], "type": type(value).__name__}
    try:
        array = np.asarray(value)
    except Exception as error:  # noqa: BLE001 - any odd object
        return {"$unsupported": f"{_type_name(value)} ({type(error).__name__})"}
    if array.dtype.kind not in "biuf" or array.size > budget[0]:
        what = f"{array.size} numbers, too many" if array.dtype.kind in "biuf" else f"dtype {array.dtype}"
        return {"$unsupported": f"{_type_name(value)} ({what}, shape {array.shape})"}
    budget[0] -= array.size
    return {"$array": array.astype(np.float64).ravel().tolist(), "shape": list(array.shape),
            "dtype": str(array.dtype), "type": _type_name(value)}


def encode_output(value, probe=None):
    """Plain JSON for what a function returned: numbers, arrays and sequences of them, None, or
    (with ``probe``) the values of a returned function of t at those t."""
    budget = [MAX_ELEMENTS, MAX_OBJECTS // 2]
    if probe is not None:
        if not callable(value):
            return {"$unsupported": f"{_type_name(value)} (expected a function of t)"}
        return {"$probe": [_encode(value(t), budget) for t in probe]}
    return _encode(value, budget)


class Output:
    """A decoded output. ``kind``: "array" (``value`` a float64 ndarray), "seq" (``value`` a list
    of Outputs), "probe" (a list of Outputs, one per t), "none" or "unsupported" (``value`` words);
    ``dtype`` and ``type`` say what the function really returned."""
    __slots__ = ("kind", "value", "dtype", "type")

    def __init__(self, kind, value, dtype=None, type=None):
        self.kind, self.value, self.dtype, self.type = kind, value, dtype, type

    def __repr__(self):
        return f"Output({self.kind}, {self.type}, {self.dtype})"


def _ints(values):
    return isinstance(values, list) and all(type(v) is int and v >= 0 for v in values)


def _check_array(values, shape, budget):
    """An encoded array's values and shape (from the sandbox): BadOutput unless they agree, and
    take their numbers from ``budget``."""
    if not isinstance(values, list) or not _ints(shape) or len(shape) > 4 or \
            any(n > MAX_ELEMENTS for n in shape) or math.prod(shape) != len(values):
        raise BadOutput("malformed array")
    budget[0] -= len(values)
    if budget[0] < 0:
        raise BadOutput("too many values")


def decode_output(encoded, depth=0, budget=None):
    """Check and convert an encoded output (from the sandbox: trust nothing in it): at most
    MAX_ELEMENTS numbers and items in all."""
    budget = [MAX_ELEMENTS] if budget is None else budget
    if not isinstance(encoded, dict) or len(encoded) > 5 or depth > 3:
        raise BadOutput("not an output")
    budget[0] -= 1
    if budget[0] < 0:
        raise BadOutput("too many values")
    if "$array" in encoded:
        values, shape = encoded["$array"], encoded.get("shape")
        _check_array(values, shape, budget)
        try:
            array = np.array(values, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise BadOutput("malformed array") from None
        if array.ndim != 1 and len(values):
            raise BadOutput("malformed array")
        return Output("array", array.reshape(shape), clean_text(encoded.get("dtype", "?"), 40),
                      clean_text(encoded.get("type", "?"), 80))
    if "$seq" in encoded:
        items = encoded["$seq"]
        if not isinstance(items, list):
            raise BadOutput("malformed sequence")
        return Output("seq", [decode_output(i, depth + 1, budget) for i in items], None,
                      clean_text(encoded.get("type", "list"), 40))
    if "$probe" in encoded:
        items = encoded["$probe"]
        if not isinstance(items, list) or depth:
            raise BadOutput("malformed schedule values")
        return Output("probe", [decode_output(i, depth + 1, budget) for i in items], None, "function")
    if encoded.get("$none") is True:
        return Output("none", None, None, "NoneType")
    if isinstance(encoded.get("$unsupported"), str):
        return Output("unsupported", clean_text(encoded["$unsupported"], 200))
    raise BadOutput("unknown output kind")


# ---------------------------------------------------------------------------------------------
# Calls and their outcomes
# ---------------------------------------------------------------------------------------------

STUDENT_FILE = "<notebook "      # compiled student code is named <notebook NAME, cell `FIRST LINE`>


def describe(error):
    """One line: the exception and where in the student's notebook it happened."""
    tb, where = error.__traceback__, ""
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename.startswith(STUDENT_FILE):
            where = f" (in `{code.co_name}`, line {tb.tb_lineno} of {code.co_filename[len(STUDENT_FILE):-1]})"
        tb = tb.tb_next
    return clean_text(f"{type(error).__name__}: {error}", 400) + where


def _raised_in(error):
    """The student function whose code raised ``error`` (the innermost one), or None."""
    tb, name = error.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(STUDENT_FILE):
            name = tb.tb_frame.f_code.co_name
        tb = tb.tb_next
    return name


def outcome_of_error(error, function, seconds):
    """(kind, message) for an exception out of a call of ``function``: the one mapping."""
    if isinstance(error, NotImplementedError):
        raised = _raised_in(error)
        elsewhere = f" (`{raised}`, which it calls, still raises NotImplementedError)" \
            if raised and raised not in (function, "<module>") else ""
        return NOT_IMPLEMENTED, "not implemented yet" + elsewhere
    if isinstance(error, CallTimeout):
        return TIMEOUT, f"took longer than {seconds:g} s"
    if isinstance(error, MemoryError):
        return EXCEPTION, "MemoryError: it ran out of memory (the grader's limit)" + describe(error)[11:]
    return EXCEPTION, describe(error)


def skipped(function):
    return {"kind": SKIPPED, "message": "not run: an earlier case of this function timed out"}


def _alarm(signum, frame):
    raise CallTimeout()


def _snapshot(args, kwargs):
    """Copies of the array arguments (and lists of arrays), to see what a call changed."""
    found = {}
    for key, value in list(enumerate(args)) + list(kwargs.items()):
        if isinstance(value, np.ndarray):
            found[key] = value.copy()
        elif isinstance(value, list) and value and all(isinstance(v, np.ndarray) for v in value):
            found[key] = [v.copy() for v in value]
    return found


def _state(generator):
    """A generator's state, cheap to compare (a repr of MT19937's 624 words costs milliseconds)."""
    def frozen(value):
        if isinstance(value, dict):
            return tuple((k, frozen(v)) for k, v in sorted(value.items()))
        return (value.dtype.str, value.tobytes()) if isinstance(value, np.ndarray) else value
    return frozen(generator.bit_generator.state if isinstance(generator, np.random.Generator)
                  else generator.get_state(legacy=False))


def _generators(args, kwargs):
    """The random generators among the arguments, with their state now."""
    return {key: (value, _state(value)) for key, value in list(enumerate(args)) + list(kwargs.items())
            if isinstance(value, (np.random.Generator, np.random.RandomState))}


def _untouched(generators):
    """The keys of the generators whose state did not change (the call never drew from them)."""
    return [k for k, (g, state) in generators.items() if _state(g) == state]


def _same(a, b):
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype and \
        bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))


def _names(function, keys):
    try:
        import inspect
        params = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        params = []
    return [k if isinstance(k, str) else params[k] if k < len(params) else f"argument {k + 1}" for k in keys]


def run_call(call, functions, env, seconds=None):
    """Call one function (student, reference or catalogue) on a case's inputs. Returns the
    outcome as a message body: {"kind", "message"?, "output"?, "changed"?, "unused"?} (``changed``:
    the arguments it changed in place; ``unused``: the random generators it never drew from). With ``seconds``, the
    call runs under a timer (SIGALRM; the caller restores nothing else)."""
    name = call["function"]
    function = functions.get(name)
    if not callable(function):
        return {"kind": MISSING, "message": "not defined"}
    args = [decode_arg(a, env) for a in call["args"]]
    kwargs = {k: decode_arg(v, env) for k, v in call.get("kwargs", {}).items()}
    before, generators = _snapshot(args, kwargs), _generators(args, kwargs)
    if seconds:
        signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        with np.errstate(all="ignore"):
            output = encode_output(function(*args, **kwargs), call.get("probe"))
    except BaseException as error:  # noqa: BLE001 - student code may raise anything, SystemExit too
        if seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
        kind, message = outcome_of_error(error, name, seconds or 0)
        return {"kind": kind, "message": message}
    finally:
        if seconds:
            signal.setitimer(signal.ITIMER_REAL, 0)
    found = {"kind": VALUE, "output": output}
    changed = [k for k, copy in before.items() if not _same(copy, args[k] if isinstance(k, int) else kwargs[k])]
    if changed:
        found["changed"] = _names(function, changed)
    unused = _untouched(generators)
    if unused:
        found["unused"] = _names(function, unused)
    return found


# ---------------------------------------------------------------------------------------------
# The oracle: the reference functions student code is given run in the grader
# ---------------------------------------------------------------------------------------------
#
# A function handed to student code (a gradient, a loss, the line search an optimiser builds on)
# is a proxy in the sandbox: each call is an "ask" message, the grader runs the reference and
# replies, so no reference code ever enters the sandbox. An argument the grader cannot hold (the
# student's own function, a random generator) stays in the sandbox as {"$ref": k}: the grader calls
# it back ("call", answered by "answer"). A function the reference returns (a schedule) stays in
# the grader, {"$ref": k} the other way. Values: None, booleans, numbers, short strings, numeric
# arrays ({"$nd"}), lists and tuples ({"$seq"}); at most MAX_ELEMENTS numbers per message.

VALUE_DTYPES = ("float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "bool")
MAX_INT = 10 ** 6               # integers a reference function may be given (sizes, counts, seeds)


def encode_value(value, refs, depth=0, budget=None):
    """``value`` as JSON; what is not data joins ``refs`` (a list) and is sent as {"$ref": k}."""
    budget = [MAX_ELEMENTS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError("too many values")
    if value is None or type(value) in (bool, float):
        return value
    if type(value) is int:
        return value if abs(value) <= 1 << 62 else float(value)
    if type(value) is str:
        return value[:200]
    if isinstance(value, (np.ndarray, np.generic)) and np.asarray(value).dtype.name in VALUE_DTYPES:
        array = np.asarray(value)
        budget[0] -= array.size
        if budget[0] < 0:
            raise ValueError("too many values")
        return {"$nd": array.ravel().tolist(), "shape": list(array.shape), "dtype": array.dtype.name}
    if isinstance(value, (list, tuple)) and depth < 3:
        return {"$seq": [encode_value(v, refs, depth + 1, budget) for v in value], "tuple": isinstance(value, tuple)}
    refs.append(value)
    return {"$ref": len(refs) - 1}


def for_reference(value, passthrough=()):
    """A decoded argument as the grader's reference is given it: integers and floats as numpy
    scalars (no big-integer arithmetic: ``10**6 ** 10**6`` wraps instead of taking seconds), lists
    and tuples as arrays, nothing of more than one dimension (no broadcasting into a matrix): the
    reference then costs at most a pass over MAX_ELEMENTS numbers. ``passthrough``: types kept."""
    if value is None or isinstance(value, (bool, str, passthrough)):
        return value
    if type(value) is int:
        return np.int64(value)
    if type(value) is float:
        return np.float64(value)
    array = np.asarray(value)
    if array.dtype == object or array.ndim > 1:
        raise BadOutput("the functions you are given take numbers and vectors")
    return array


def decode_value(spec, ref, depth=0, budget=None):
    """A value from ``encode_value`` (from the other side: checked); ``ref(k)``: what {"$ref": k} is."""
    budget = [MAX_ELEMENTS] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0 or depth > 3:
        raise BadOutput("too many values")
    if spec is None or type(spec) in (bool, float, str):
        return spec
    if type(spec) is int:
        if abs(spec) > MAX_INT:
            raise BadOutput(f"an integer beyond {MAX_INT}")
        return spec
    if type(spec) is dict and "$nd" in spec:
        values, shape, dtype = spec["$nd"], spec.get("shape"), spec.get("dtype")
        if dtype not in VALUE_DTYPES:
            raise BadOutput("malformed array")
        _check_array(values, shape, budget)
        try:
            array = np.array(values, dtype=dtype).reshape(shape)
        except (TypeError, ValueError, OverflowError):
            raise BadOutput("malformed array") from None
        return array[()] if array.ndim == 0 else array        # a numpy scalar stays one
    if type(spec) is dict and "$seq" in spec and type(spec["$seq"]) is list:
        items = [decode_value(v, ref, depth + 1, budget) for v in spec["$seq"]]
        return tuple(items) if spec.get("tuple") is True else items
    if type(spec) is dict and type(spec.get("$ref")) is int:
        return ref(spec["$ref"])
    raise BadOutput("not a value")


# ---------------------------------------------------------------------------------------------
# Messages: one JSON object per line
# ---------------------------------------------------------------------------------------------

def encode_message(message):
    return (json.dumps(message, separators=(",", ":")) + "\n").encode()


# What the sandbox may send, event by event: field -> allowed types (the grader checks all of it).
MESSAGES = {
    "ready": {},
    "exited": {"code": (int,)},
    "locked": {},
    "loaded": {"defined": (list,), "errors": (list,), "problems": (list,), "broken": (dict,)},
    "stage": {"stage": (int,)},
    "outcome": {"call": (int,), "kind": (str,), "message": (str,), "output": (dict,), "changed": (list,),
                "unused": (list,)},
    "done": {},
    "probe": {"escaped": (list,), "error": (str,)},
    # the oracle: a reference function called from the sandbox, and a callback's answer
    "ask": {"ask": (int,), "name": (str,), "remote": (int,), "args": (dict,), "kwargs": (dict,)},
    "answer": {"answer": (int,), "value": (type(None), bool, int, float, str, dict), "error": (str,)},
}
REQUIRED = {"exited": ("code",), "loaded": ("defined",), "stage": ("stage",), "outcome": ("call", "kind"),
            "probe": ("escaped",), "ask": ("ask", "args"), "answer": ("answer",)}


def _clean(value, depth=0):
    """Every string cleaned (``output`` is left to ``decode_output``, which checks and cleans it)."""
    if depth > 6:
        raise ProtocolError("nested too deeply")
    if type(value) is str:
        return clean_text(value, MAX_TEXT)
    if type(value) is list:
        return [_clean(v, depth + 1) for v in value]
    if type(value) is dict:
        return {clean_text(k, 100): v if k == "output" and depth == 0 else _clean(v, depth + 1)
                for k, v in value.items()}
    return value


def parse_message(raw):
    """One line from the sandbox -> a validated message dict; ProtocolError if it is anything else."""
    if len(raw) > MAX_MESSAGE:
        raise ProtocolError(f"a message of {len(raw) >> 20} MB")
    if raw.count(b"{") + raw.count(b"[") > MAX_OBJECTS:
        raise ProtocolError(f"a message of more than {MAX_OBJECTS} objects")
    try:
        message = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise ProtocolError(f"not a JSON line ({type(error).__name__})") from None
    if not isinstance(message, dict) or message.get("event") not in MESSAGES:
        raise ProtocolError("not a known event")
    fields = MESSAGES[message["event"]]
    for key, value in message.items():
        if key != "event" and (key not in fields or type(value) not in fields[key]):
            raise ProtocolError(f"unexpected field {clean_text(key, 40)!r} in {message['event']!r}")
    if any(key not in message for key in REQUIRED.get(message["event"], ())):
        raise ProtocolError(f"incomplete {message['event']!r}")
    if message["event"] == "outcome" and message["kind"] not in KINDS:
        raise ProtocolError("unknown outcome kind")
    if message["event"] == "outcome" and message["kind"] == VALUE and "output" not in message:
        raise ProtocolError("a value without an output")
    for key in ("changed", "unused", "defined"):          # names of arguments or functions
        if key in message and not all(type(v) is str for v in message[key]):
            raise ProtocolError(f"{key!r} holds something other than names")
    if message["event"] in ("ask", "answer"):       # their values are checked by decode_value
        return message
    return _clean(message)


def read_messages(buffer, chunk, limit=MAX_MESSAGE):
    """Append ``chunk`` to ``buffer`` (a bytearray) and return the complete lines in it."""
    buffer += chunk
    lines = []
    while True:
        end = buffer.find(b"\n")
        if end < 0:
            if limit and len(buffer) > limit:
                raise ProtocolError(f"a message of more than {limit >> 20} MB")
            return lines
        lines.append(bytes(buffer[:end]))
        del buffer[:end + 1]


if __name__ == "__main__":      # pragma: no cover - nothing to run
    sys.exit("autograder.engine.protocol is a library")
