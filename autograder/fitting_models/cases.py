"""The hidden cases of "Fitting models": plain data saying which function to call on which inputs.

Every random choice is made here, from explicit seeds, so each case is exactly reproducible.
Arguments are the argument specs of ``autograder.engine.protocol``: the same spec is decoded for
the student (in the sandbox), for the reference and for each catalogued mistake (in the grader).
Optimisers always receive the REFERENCE gradient (``given``), so a wrong part-1 gradient never
costs optimiser points; a learning-rate schedule is the reference ``step_decay``'s, handed over
only after ``step_decay`` itself was checked (``given_call``).
"""
import numpy as np

from ..engine.cases import Case
from ..engine.protocol import batches, data, given, given_call, line, rng, vec


def xy(name):
    return data(name, "x"), data(name, "y")


def fmt(phi):
    return "(" + ", ".join(f"{v:g}" for v in phi) + ")"


# -- batch sequences (inputs, made here with explicit seeds) -----------------------------------

def epochs(n, size, n_epochs, seed):
    state = np.random.RandomState(seed)
    out = []
    for _ in range(n_epochs):
        order = state.permutation(n)
        out += [order[i:i + size] for i in range(0, n, size)]
    return out, f"{n_epochs} epoch{'s' * (n_epochs > 1)} of batch {size} (RandomState({seed}))"


def per_step(n, size, steps, seed):
    state = np.random.RandomState(seed)
    return ([state.permutation(n)[:size] for _ in range(steps)],
            f"{steps} batches of {size}, each rng.permutation({n})[:{size}] (RandomState({seed}))")


def full(n, steps):
    return [np.arange(n)] * steps, f"{steps} full batches"


WORDS = {"linear": "linear data", "gabor": "Gabor data"}
GRADIENT = {"linear": "linear_gradient", "gabor": "gabor_gradient"}
LOSS = {"linear": "linear_loss", "gabor": "gabor_loss"}


# -- the cases, function by function -----------------------------------------------------------

def _parabola_slope():
    grid = np.linspace(-2, 6, 9)
    return [Case("parabola_slope", "x=3.5", "x = 3.5", (3.5,)),
            Case("parabola_slope", "x=0", "x = 0 (an int)", (0,)),
            Case("parabola_slope", "array", "x = an array of 9 values from -2 to 6", (vec(*grid),))]


POINTS = {"linear": [(0.6, -0.2), (1.6, -0.5), (0.2, 1.3)], "gabor": [(0.6, -0.2), (-1.5, 8.5), (3.5, 6.5)]}
SUBSETS = {"linear": [0, 3, 7], "gabor": [1, 5, 9, 13, 17]}


def _data_cases(function, home):
    """Loss or gradient of the ``home`` dataset's model: whole data, a batch, and the other dataset."""
    other = "gabor" if home == "linear" else "linear"
    cases = [Case(function, f"{home}-{fmt(p)}", f"{WORDS[home]}, phi = {fmt(p)}", (vec(*p), *xy(home)))
             for p in POINTS[home][:2]]
    p = POINTS[home][2]
    index = SUBSETS[home]
    cases.append(Case(function, f"{home}-batch-{fmt(p)}", f"{WORDS[home]}, the batch {index}, phi = {fmt(p)}",
                      (vec(*p), data(home, "x", index), data(home, "y", index))))
    p = (0.0, 16.0) if home == "gabor" else (1.0, 0.4)
    cases.append(Case(function, f"{other}-{fmt(p)}", f"{WORDS[other]}, phi = {fmt(p)}", (vec(*p), *xy(other))))
    return cases


def _gabor_model():
    return [Case("gabor_model", f"gabor-x-{fmt(p)}", f"the Gabor inputs x, phi = {fmt(p)}",
                 (vec(*p), data("gabor", "x"))) for p in [(0.6, -0.2), (-1.5, 8.5)]] + [
            Case("gabor_model", "grid-(2, 14)", "x = 31 points from -15 to 15, phi = (2, 14)",
                 (vec(2.0, 14.0), vec(*np.linspace(-15, 15, 31))))]


def _gabor_gradient():
    return _data_cases("gabor_gradient", "gabor") + [
        Case("gabor_gradient", "gabor-(-5, 25)", "Gabor data, phi = (-5, 25)", (vec(-5.0, 25.0), *xy("gabor"))),
        Case("gabor_gradient", "gabor-one-point", "Gabor data, the single point [4], phi = (2, 14)",
             (vec(2.0, 14.0), data("gabor", "x", [4]), data("gabor", "y", [4])))]


def _numerical_gradient():
    return [Case("numerical_gradient", "wave", "f = sin(3 phi0) cos(phi1) + phi0^2 phi1 at (0.3, -0.7), default h",
                 (given("wave"), vec(0.3, -0.7))),
            Case("numerical_gradient", "wave-h=1e-3", "the same f at (1.2, 2), h = 1e-3",
                 (given("wave"), vec(1.2, 2.0)), {"h": 1e-3}),
            Case("numerical_gradient", "cubic-h=0.5", "f = phi0^3 + 2 phi1^3 at (1, -1), h = 0.5",
                 (given("cubic"), vec(1.0, -1.0)), {"h": 0.5})]


def _line_search():
    cases = [
        Case("line_search", "lecture", "the lecture's function, default arguments", (given("lecture_curve"),)),
        Case("line_search", "lecture-tol", "the lecture's function, tol = 1e-6, max_iter = 30",
             (given("lecture_curve"),), {"tol": 1e-6, "max_iter": 30}),
        Case("line_search", "lecture-max_dist=0.5", "the lecture's function, max_dist = 0.5",
             (given("lecture_curve"),), {"max_dist": 0.5}),
        Case("line_search", "cliff", "f = 1 before 0.1, 0 after (ties between f(b) and f(c))", (given("cliff"),)),
        Case("line_search", "flat", "a constant f (f(a) ties with the others)", (given("flat"),)),
        Case("line_search", "uphill", "an increasing f (minimum at 0)", (given("uphill"),), {"max_iter": 20}),
        Case("line_search", "wiggle", "f = cos(40 a) + a (many local minima)", (given("wiggle"),)),
    ]
    for name, phi, direction, kwargs, words in [
            ("wave", (0.3, -0.7), (1.0, -0.5), {}, "sin(3 p0) cos(p1) + p0^2 p1"),
            ("valley", (-1.0, 1.5), (-0.8, 1.2), {"max_dist": 2.0, "tol": 1e-5, "max_iter": 15},
             "a Rosenbrock valley")]:
        spec = line(name, phi, direction)
        about = (f"f(a) = {words} at p = {fmt(phi)} - a {fmt(direction)}"
                 + "".join(f", {k} = {v:g}" for k, v in kwargs.items()))
        cases.append(Case("line_search", f"{name}-slice", about, (spec,), kwargs))
    return cases


def _gradient_descent():
    runs = [("linear", (1.6, -0.5), 0.01, 20), ("linear", (0.6, -0.2), 0.035, 12),
            ("gabor", (-1.5, 8.5), 0.2, 21), ("gabor", (3.5, 6.5), 0.1, 15), ("gabor", (0.0, 16.0), 0.3, 0)]
    return [Case("gradient_descent", f"{d}-{fmt(p)}-lr{lr:g}-{n}steps",
                 f"{WORDS[d]}, start {fmt(p)}, learning_rate = {lr:g}, {n} steps",
                 (given(GRADIENT[d]), vec(*p), *xy(d), lr, n), degenerate=n == 0) for d, p, lr, n in runs]


def _gradient_descent_line_search():
    runs = [("linear", (1.6, -0.5), 10, {"max_dist": 0.1, "tol": 1e-5, "max_iter": 15}),
            ("gabor", (-1.5, 8.5), 21, {"max_dist": 2.0}),
            ("gabor", (3.5, 6.5), 6, {})]
    return [Case("gradient_descent_line_search", f"{d}-{fmt(p)}-{n}steps",
                 f"{WORDS[d]}, start {fmt(p)}, {n} steps" + "".join(f", {k} = {v:g}" for k, v in kw.items()),
                 (given(LOSS[d]), given(GRADIENT[d]), vec(*p), *xy(d), n), kw) for d, p, n, kw in runs]


def _epoch_batches():
    runs = [(30, 5, "RandomState", 42), (30, 7, "default_rng", 0), (12, 1, "RandomState", 3),
            (12, 12, "default_rng", 5), (10, 4, "RandomState", 7)]
    return [Case("epoch_batches", f"n{n}-b{b}-{k}({s})", f"n = {n}, batch_size = {b}, rng = {k}({s})",
                 (n, b, rng(k, s)), degenerate=b == n) for n, b, k, s in runs]


def _batch_schedule():
    runs = [(30, 5, 3, "RandomState", 42), (12, 5, 2, "default_rng", 1), (30, 1, 2, "RandomState", 0),
            (7, 3, 4, "default_rng", 2)]
    return [Case("batch_schedule", f"n{n}-b{b}-e{e}-{k}({s})",
                 f"n = {n}, batch_size = {b}, n_epochs = {e}, rng = {k}({s})", (n, b, e, rng(k, s)))
            for n, b, e, k, s in runs]


# t out of order and repeated: a schedule is a function of t, not of how often it was asked
PROBE = (5, 0, 5, 40, 1) + tuple(range(41)) + (17, 3, 40, 0)


def _step_decay():
    runs = [(0.8, 0.5, 10), (1.0, 0.9, 1), (0.1, 0.1, 3), (2.0, 0.5, 7)]
    return [Case("step_decay", f"{lr:g}-{f:g}-{e}", f"lr0 = {lr:g}, factor = {f:g}, every = {e}; t = 5, 0, 5, 40, 1, then 0 to 40",
                 (lr, f, e), probe=PROBE) for lr, f, e in runs]


class Schedule:
    """A learning-rate schedule made by the reference ``step_decay`` (handed over as such)."""

    def __init__(self, lr0, factor, every):
        self.words = f"step_decay({lr0:g}, {factor:g}, {every})"
        self.spec = given_call("step_decay", lr0, factor, every)


HYPER_NAMES = {"sgd_momentum": ("learning_rate", "beta"), "sgd_nesterov": ("learning_rate", "beta")}


def _optimizer_cases(function, runs):
    """runs: (dataset, start, (batches, words), positional hyperparameters, keyword ones).
    Degenerate: beta = 0 or gamma = 0 (momentum, Nesterov and Adam reduce to plainer steps), and SGD
    on full batches (it is gradient descent)."""
    cases = []
    for dataset, start, (bs, words), hyper, kw in runs:
        names = HYPER_NAMES.get(function, ("learning_rate",))
        described = [f"{n} = {v.words if isinstance(v, Schedule) else format(v, 'g')}" for n, v in zip(names, hyper)]
        described += [f"{k} = {v:g}" for k, v in kw.items()]
        specs = [h.spec if isinstance(h, Schedule) else h for h in hyper]
        short = [d.replace("learning_rate = ", "lr").replace(" = ", "") for d in described]
        label = f"{dataset}-{fmt(start)}-" + "-".join(short) + f"-{len(bs)}b"
        degenerate = (len(hyper) > 1 and hyper[1] == 0) or kw.get("beta") == 0 or kw.get("gamma") == 0 or \
            (function == "sgd" and words.endswith("full batches"))
        cases.append(Case(function, label, f"{WORDS[dataset]}, start {fmt(start)}, {', '.join(described)}, {words}",
                          (given(GRADIENT[dataset]), vec(*start), *xy(dataset), batches(bs), *specs), kw,
                          degenerate=degenerate))
    return cases


def _sgd():
    return _optimizer_cases("sgd", [
        ("gabor", (-1.5, 6.5), epochs(30, 5, 3, 1), [0.6], {}),
        ("gabor", (3.5, 6.5), per_step(30, 5, 41, 1), [0.8], {}),
        ("linear", (1.6, -0.5), epochs(12, 5, 2, 4), [0.01], {}),
        ("linear", (0.6, -0.2), epochs(12, 1, 1, 5), [0.02], {}),
        ("gabor", (-1.5, 6.5), epochs(30, 5, 5, 6), [Schedule(0.8, 0.5, 10)], {}),
        ("gabor", (-1.5, 8.5), full(30, 10), [0.2], {}),
    ])


MOMENTUM_RUNS = [
    ("gabor", (-1.5, 6.5), per_step(30, 5, 81, 42), [0.6, 0.6], {}),      # the lecture's figure
    ("linear", (1.6, -0.5), epochs(12, 5, 3, 7), [0.01, 0.9], {}),
    ("gabor", (3.5, 6.5), epochs(30, 10, 2, 8), [0.5, 0.0], {}),
    ("gabor", (-1.5, 8.5), epochs(30, 1, 1, 9), [0.2, 0.4], {}),      # not 0.5: beta and 1 - beta would agree
    ("gabor", (0.0, 12.0), epochs(30, 6, 4, 10), [0.3, 0.95], {}),
]


def _sgd_momentum():
    return _optimizer_cases("sgd_momentum", MOMENTUM_RUNS)


def _sgd_nesterov():
    runs = [MOMENTUM_RUNS[0][:2] + (per_step(30, 5, 81, 1),) + MOMENTUM_RUNS[0][3:]] + MOMENTUM_RUNS[1:]
    return _optimizer_cases("sgd_nesterov", runs)


def _normalized_gradient_descent():
    return _optimizer_cases("normalized_gradient_descent", [
        ("gabor", (-1.5, 6.5), epochs(30, 5, 6, 0), [0.1], {}),
        ("linear", (1.6, -0.5), full(12, 20), [0.05], {}),
        ("linear", (0.6, -0.2), epochs(12, 4, 3, 11), [0.05], {"eps": 1.0}),
        ("gabor", (3.5, 6.5), epochs(30, 1, 1, 12), [0.2], {"eps": 0.01}),
    ])


def _adam():
    return _optimizer_cases("adam", [
        ("gabor", (-1.5, 6.5), epochs(30, 5, 6, 0), [0.1], {}),
        ("linear", (1.6, -0.5), full(12, 30), [0.05], {}),
        ("gabor", (3.5, 6.5), epochs(30, 3, 2, 13), [0.2], {"beta": 0.5, "gamma": 0.9, "eps": 1e-3}),
        ("linear", (0.6, -0.2), epochs(12, 4, 4, 14), [0.1], {"beta": 0.8, "gamma": 0.999, "eps": 1.0}),
        ("gabor", (0.0, 16.0), epochs(30, 10, 3, 15), [0.05], {"beta": 0.0, "gamma": 0.0}),
        ("gabor", (-1.5, 8.5), epochs(30, 1, 1, 16), [0.1], {}),
    ])


CASES = {
    "parabola_slope": _parabola_slope,
    "linear_loss": lambda: _data_cases("linear_loss", "linear"),
    "linear_gradient": lambda: _data_cases("linear_gradient", "linear"),
    "gabor_model": _gabor_model,
    "gabor_loss": lambda: _data_cases("gabor_loss", "gabor"),
    "gabor_gradient": _gabor_gradient,
    "numerical_gradient": _numerical_gradient,
    "gradient_descent": _gradient_descent,
    "line_search": _line_search,
    "gradient_descent_line_search": _gradient_descent_line_search,
    "epoch_batches": _epoch_batches,
    "batch_schedule": _batch_schedule,
    "sgd": _sgd,
    "step_decay": _step_decay,
    "sgd_momentum": _sgd_momentum,
    "sgd_nesterov": _sgd_nesterov,
    "normalized_gradient_descent": _normalized_gradient_descent,
    "adam": _adam,
}




def build():
    """{function: its cases}, in the order of CASES."""
    return {name: tuple(builder()) for name, builder in CASES.items()}
