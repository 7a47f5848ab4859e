"""Data, a notebook loader and plotting helpers for the "Fitting models" assignment.

Given to students with the notebooks; you do not need to edit it.

Data: the linear and Gabor datasets of the Understanding Deep Learning notebooks 6.2 and 6.3
(MIT licence, credit Simon J.D. Prince, https://udlbook.github.io/udlbook/).

Loader: ``load_functions("1_gradients.ipynb", "linear_loss")`` gives you the functions you wrote in
another notebook. It runs only the notebook's imports, ``def``/``class`` statements and simple
constant assignments (no plots, no loops, no calls), exactly as the grader does.
"""
import ast
import json
import os
import re
import sys
from dataclasses import dataclass

import numpy as np

LINEAR_X = np.array([0.03, 0.19, 0.34, 0.46, 0.78, 0.81, 1.08, 1.18, 1.39, 1.60, 1.65, 1.90])
LINEAR_Y = np.array([0.67, 0.85, 1.05, 1.00, 1.40, 1.50, 1.30, 1.54, 1.55, 1.68, 1.73, 1.60])

GABOR_X = np.array([
    -1.920, -14.22, 1.490, -1.940, -2.389, -5.090, -8.861, 3.578, -6.010, -6.995,
    3.634, 0.8743, -10.96, 0.4073, -9.467, 8.560, 10.62, -0.1729, 10.40, -12.61,
    0.1574, -13.04, -2.156, -12.10, -11.19, 2.902, -8.220, -11.79, -8.391, -4.505])
GABOR_Y = np.array([
    -1.051, -0.02482, 0.8896, -0.4943, -0.9371, 0.4306, 0.009577, -0.07944, 0.1624, -0.2682,
    -0.3129, 0.8303, -0.02365, 0.5098, -0.2777, 0.3367, 0.1927, -0.2222, 0.06352, 0.006888,
    0.03224, 0.01091, -0.5706, -0.05258, -0.03666, 0.1709, -0.04805, 0.2008, -0.1904, 0.5952])

DATASETS = {"linear": (LINEAR_X, LINEAR_Y), "gabor": (GABOR_X, GABOR_Y)}


# ---------------------------------------------------------------------------------------------
# Loader: the definitions of a notebook, without its exploratory code
# ---------------------------------------------------------------------------------------------

SAFE_BUILTINS = {"float", "int", "abs", "round", "bool", "str", "len"}
SAFE_MODULES = {"np", "numpy", "math"}


@dataclass(frozen=True)
class Chunk:
    """One top-level statement kept from a notebook cell."""
    cell: int        # index of the cell in the notebook
    line: int        # first line of the statement in the cell (1-based)
    source: str


@dataclass(frozen=True)
class Problem:
    """Why some of a notebook could not be read: ``kind`` is "missing", "invalid" (not a
    notebook) or "syntax" (a cell with a syntax error)."""
    kind: str
    message: str

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class Definitions:
    notebook: str
    chunks: tuple      # of Chunk
    problems: tuple    # of Problem
    broken: dict       # function name -> message of the problem that hides it (a syntax error in its cell)
    readable: bool = True  # False if the notebook is missing or not valid JSON


def _dotted(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return base and f"{base}.{node.attr}"
    return None


def _cheap(value):
    """True if evaluating ``value`` cannot run user code or anything slow or random."""
    for node in ast.walk(value):
        if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
            return False
        if isinstance(node, ast.Call):
            name = _dotted(node.func) or ""
            root = name.split(".")[0]
            if name in SAFE_BUILTINS:
                continue
            if root in SAFE_MODULES and name != root and "random" not in name.split("."):
                continue
            return False
    return True


def _kept(statement):
    if isinstance(statement, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                              ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(statement, (ast.Assign, ast.AnnAssign)):
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        simple = all(isinstance(n, (ast.Name, ast.Tuple, ast.List, ast.Starred))
                     for t in targets for n in ast.walk(t) if not isinstance(n, ast.Load | ast.Store))
        return simple and statement.value is not None and _cheap(statement.value)
    return False


def _without_magics(source):
    """Blank out IPython magics and shell escapes, keeping line numbers."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def is_test_cell(cell):
    """Graded test cells and the visible check cells: run by pytest or nbgrader, not loaded."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return (bool(meta.get("grade")) and not meta.get("solution")) or \
        str(meta.get("grade_id", "")).startswith("check_")


def is_given_cell(cell):
    """Read-only code given with the assignment (imports, helper functions)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("locked")) and not is_test_cell(cell)


def definitions(path, select=lambda cell: not is_test_cell(cell)):
    """Read the definitions of a notebook's code cells for which ``select(cell)`` is true
    (never raises for a bad notebook; see ``problems``)."""
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return Definitions(name, (), (Problem("missing", f"{name} is missing"),), {}, readable=False)
    except (OSError, UnicodeDecodeError) as error:
        return Definitions(name, (), (Problem("invalid", f"{name} is not a valid notebook ({error})"),), {},
                           readable=False)
    return parse_notebook(name, text, select)


def parse_notebook(name, text, select=lambda cell: not is_test_cell(cell)):
    """``definitions`` of a notebook given as text."""
    try:
        cells = json.loads(text)["cells"]
        if not isinstance(cells, list):
            raise TypeError("'cells' is not a list")
    except (ValueError, KeyError, TypeError, RecursionError) as error:
        return Definitions(name, (), (Problem("invalid", f"{name} is not a valid notebook ({type(error).__name__}: "
                                                 f"{str(error)[:200]})"),), {}, readable=False)
    chunks, problems, broken = [], [], {}
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or not isinstance(cell.get("metadata", {}), dict) or \
                not isinstance(cell.get("metadata", {}).get("nbgrader", {}), dict):
            continue
        retyped = _retyped(cell)
        if (cell.get("cell_type") != "code" and not retyped) or not select(cell):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        source = _without_magics(source)
        lines = source.splitlines()
        if retyped:
            problems.append(Problem("retyped", f"{name}: the cell starting `{_first_line(source)}` had been changed "
                                               f"to {retyped}; it was graded as code, as nbgrader does (to make it "
                                               "Code again in Jupyter: select it, press Esc, then Y)"))
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
            where = f" at line {error.lineno}: {error.msg}" if isinstance(error, SyntaxError) else f": {error}"
            problem = Problem("syntax", f"{name}, the cell starting `{_first_line(source)}`: syntax error{where}")
            problems.append(problem)
            for fn in _defined_names(source):
                broken[fn] = problem.message
            continue
        for statement in tree.body:
            if _kept(statement):
                first = min([statement.lineno] + [d.lineno for d in
                                                  getattr(statement, "decorator_list", [])])
                segment = "\n".join(lines[first - 1:statement.end_lineno])
                chunks.append(Chunk(index, first, segment))
    return Definitions(name, tuple(chunks), tuple(problems), broken)


def _retyped(cell):
    """The type (e.g. "Markdown") of an answer cell whose type a student changed from code, or None
    (nbgrader turns such a cell back into code when it grades)."""
    meta = cell["metadata"].get("nbgrader", {})
    kind = cell.get("cell_type")
    if kind != "code" and meta.get("solution") and meta.get("cell_type") == "code":
        return str(kind).title()
    return None


def _first_line(source):
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return first[:60] + ("…" if len(first) > 60 else "")


def _defined_names(source):
    return re.findall(r"^\s*def\s+(\w+)\s*\(", source, flags=re.M)


def compile_chunk(notebook, chunk):
    """Compile a chunk so that tracebacks name the notebook, the statement's first line and the
    line in its cell (the grader recognises student code by the "<notebook " prefix)."""
    text = "\n" * (chunk.line - 1) + chunk.source
    return compile(text, f"<notebook {notebook}, cell `{_first_line(chunk.source)}`>", "exec")


def execute(defs, namespace=None):
    """Run the definitions statement by statement; return (namespace, errors)."""
    namespace = {"__name__": os.path.splitext(defs.notebook)[0]} if namespace is None else namespace
    errors = []
    for chunk in defs.chunks:
        try:
            exec(compile_chunk(defs.notebook, chunk), namespace)
        except Exception as error:  # one bad statement must not hide the others
            errors.append(f"{defs.notebook}, `{_first_line(chunk.source)}`: {type(error).__name__}: {error}")
    return namespace, errors


def load_functions(notebook, *names):
    """Return the named functions defined in ``notebook`` (a path or a name next to this file)."""
    path = notebook if os.path.exists(notebook) else os.path.join(os.path.dirname(__file__), notebook)
    defs = definitions(path)
    namespace, errors = execute(defs)
    missing = [n for n in names if not callable(namespace.get(n))]
    if missing:
        why = "; ".join(defs.broken.get(n, "") for n in missing if n in defs.broken)
        why = why or "; ".join(map(str, defs.problems + tuple(errors))) or "not defined there"
        raise NameError(f"{', '.join(missing)} not found in {defs.notebook}: {why}")
    found = [namespace[n] for n in names]
    return found[0] if len(found) == 1 else tuple(found)


# ---------------------------------------------------------------------------------------------
# The contract's types, as the grader reads them (the check cells use these)
# ---------------------------------------------------------------------------------------------

def _note(what, wanted):
    print(f"note: your function returned {what}; it is graded on its values, but the contract asks for {wanted}")


def trajectory(value, rows=None):
    """What an optimiser returned, as the grader reads it: a float64 array of shape (rows, 2).
    An array-like with the right shape and values (a list of arrays, a list of lists, a tuple) is
    taken on its values, with a note; ``None`` and other shapes fail with the grader's words."""
    assert value is not None, "returned None — missing return?"
    wanted = "a float64 NumPy array of shape (T+1, 2)"
    if not isinstance(value, np.ndarray):
        _note(f"a {type(value).__name__}", wanted)
    try:
        path = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as error:
        raise AssertionError(f"returned something that is not an array of numbers ({error}); expected {wanted}")
    if isinstance(value, np.ndarray) and value.dtype != np.float64:
        print(f"note: your trajectory is {value.dtype}: compute in float64, the grader compares about 9 digits")
    if path.ndim != 2 or path.shape[1:] != (2,) or (rows is not None and len(path) != rows):
        shape = f"({rows}, 2)" if rows is not None else "(T+1, 2)"
        raise AssertionError(f"returned shape {path.shape}, expected {shape}: one row per step, row 0 = phi0")
    return path


def index_batches(value):
    """What a batching function returned, as the grader reads it: a list of 1-D integer index
    arrays (lists of ints are taken on their values, with a note)."""
    assert value is not None, "returned None — missing return?"
    assert isinstance(value, (list, tuple, np.ndarray)), f"returned a {type(value).__name__}: expected a list of index arrays"
    batches = [np.asarray(b) for b in value]
    if not isinstance(value, list) or not all(isinstance(b, np.ndarray) for b in value):
        _note(f"a {type(value).__name__} of {type(value[0]).__name__ if len(value) else 'nothing'}",
              "a list of integer index arrays")
    assert all(b.ndim == 1 for b in batches), "each batch is a 1-D array of indices"
    return batches


_CHECKED = set()


def checked(name):
    """The last line of a check cell: the visible checks of ``name`` passed."""
    _CHECKED.add(name)
    print(f"{name}: OK")


def validated(name):
    """In a hidden-test cell, for the Assignment List's Validate button (``nbgrader validate``):
    fails there unless the check cell of ``name`` above passed. Does nothing anywhere else (when
    the work is graded, the hidden tests below this line decide)."""
    if os.environ.get("NBGRADER_EXECUTION") == "validate" and name not in _CHECKED:
        error = getattr(sys, "last_value", None)           # IPython keeps the last cell's error here
        if isinstance(error, NotImplementedError):
            raise AssertionError(f"{name} is not implemented yet")
        why = f": {type(error).__name__}: {str(error)[:300]}" if error is not None else " (run it to see why)"
        raise AssertionError(f"{name} fails its check above{why}")


def unchanged(now, before, name="phi0"):
    """The check every optimiser's check cell makes first: the function did not change its input
    (an array, or a list of index arrays, compared with what it was before the call)."""
    same = len(now) == len(before) and all(np.array_equal(a, b) for a, b in zip(now, before)) \
        if name == "the batches" else np.array_equal(now, before)
    assert same, f"changed {name} in place: work on a copy (np.array({name}, dtype=float)), never assign into an input"


# ---------------------------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------------------------
#
# One colour convention in every contour plot: DARK = LOW loss, light = high loss (as in the UDL
# notebooks), with a colour bar giving the values. The contour levels are closer together at low
# loss, where the detail is, so equal steps of colour are not equal steps of loss: read the bar.

PARAMETER_RANGES = {"linear": ((0.0, 2.0), (-1.0, 1.0)), "gabor": ((-10.0, 10.0), (2.5, 22.5))}
LOSS_COLORMAP = "bone"
PATH_COLORS = ("#d62728", "#ff7f0e", "#e377c2", "#2ca02c", "#9467bd", "#17becf")   # red, orange first


def loss_grid(loss, x, y, phi0_range, phi1_range, size=61):
    """Loss on a size x size grid of (phi0, phi1); rows follow phi1, columns phi0."""
    phi0s = np.linspace(*phi0_range, size)
    phi1s = np.linspace(*phi1_range, size)
    values = np.array([[loss(np.array([p0, p1]), x, y) for p0 in phi0s] for p1 in phi1s])
    return phi0s, phi1s, values


def _data(dataset):
    if dataset is None:
        return None, None
    return DATASETS[dataset] if isinstance(dataset, str) else dataset


def _outline(width):
    from matplotlib import patheffects
    return [patheffects.withStroke(linewidth=width, foreground="k")]


def _number(value):
    """A loss for a legend: three decimals, or two significant digits when it is below 0.01."""
    return f"{value:.2g}" if 0 < abs(value) < 0.01 else f"{value:.3f}"


def _inside(path, ranges):
    finite = path[np.isfinite(path).all(axis=1)]
    (x0, x1), (y0, y1) = ranges
    return len(finite) == len(path) and bool(np.all((finite[:, 0] >= x0) & (finite[:, 0] <= x1)
                                                    & (finite[:, 1] >= y0) & (finite[:, 1] <= y1)))


def plot_contours(loss, dataset, paths=None, ax=None, title=None, ranges=None, size=61, colorbar=True,
                  colors=None):
    """Loss contours over (phi0, phi1), DARK = LOW loss, with optimisation paths drawn on top.

    ``dataset`` is "linear", "gabor", an (x, y) pair, or None for a loss that ignores the data
    (for the last two, give ``ranges``: ((phi0_min, phi0_max), (phi1_min, phi1_max))).
    ``paths`` maps a label to a trajectory of shape (T+1, 2): a line with a square at its start;
    the legend gives the loss at its last row and says when the path leaves the plotted window.
    ``colorbar`` adds the colour bar (the loss values of the colours); ``colors`` replaces the
    colours of the paths (by default ``PATH_COLORS``, in order). Returns the axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import BoundaryNorm
    x, y = _data(dataset)
    ranges = ranges or PARAMETER_RANGES[dataset]
    ax = ax or plt.subplots(figsize=(6.4, 5), layout="constrained")[1]
    phi0s, phi1s, values = loss_grid(loss, x, y, *ranges, size=size)
    levels = np.unique(np.quantile(values, np.linspace(0, 1, 25) ** 2))
    cmap = plt.get_cmap(LOSS_COLORMAP)
    filled = ax.contourf(phi0s, phi1s, values, levels=levels, cmap=cmap,
                         norm=BoundaryNorm(levels, cmap.N))      # one even colour step per level
    ax.contour(phi0s, phi1s, values, levels=levels, colors="k", linewidths=0.3, alpha=0.6)
    if colorbar:
        ticks = levels[::4] if (len(levels) - 1) % 4 == 0 else np.append(levels[::4], levels[-1])
        bar = ax.figure.colorbar(filled, ax=ax, ticks=ticks, fraction=0.06, pad=0.02)
        bar.ax.set_yticklabels([f"{t:.3g}" for t in ticks])
        bar.set_label(r"loss $L[\phi]$ (dark = low)")
    for i, (label, path) in enumerate((paths or {}).items()):
        path = np.asarray(path, dtype=float)
        palette = colors or PATH_COLORS
        color = palette[i % len(palette)]
        final = loss(path[-1], x, y) if np.isfinite(path[-1]).all() else float("nan")
        note = "" if _inside(path, ranges) else " (leaves the plot)"
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1.5, color=color, path_effects=_outline(2.5),
                label=f"{label}: loss {_number(final)}{note}")
        ax.plot(*path[0], "s", color=color, ms=7, mec="k")
    if paths:
        ax.legend(loc="best", fontsize=8, framealpha=0.9)
    ax.set_xlim(*ranges[0])
    ax.set_ylim(*ranges[1])
    ax.set_xlabel(r"$\phi_0$")
    ax.set_ylabel(r"$\phi_1$")
    ax.set_title(title or (f"{dataset} loss" if isinstance(dataset, str) else "loss"))
    return ax


def plot_fit(model, phis, dataset, ax=None, title=None):
    """The data points (blue) and the model's curve for each parameter vector in ``phis``
    (label -> phi), in the colours ``plot_contours`` gives paths."""
    import matplotlib.pyplot as plt
    x, y = DATASETS[dataset]
    ax = ax or plt.subplots(figsize=(6, 4), layout="constrained")[1]
    grid = np.linspace(x.min() - 0.1 * np.ptp(x), x.max() + 0.1 * np.ptp(x), 400)
    ax.plot(x, y, "o", color="#1f77b4", label="data", zorder=3)
    for i, (label, phi) in enumerate(phis.items()):
        ax.plot(grid, model(np.asarray(phi, dtype=float), grid), color=PATH_COLORS[i % len(PATH_COLORS)],
                lw=1.8, label=label)
    ax.legend(fontsize=8)
    ax.set_xlabel("input x")
    ax.set_ylabel("output y")
    ax.set_title(title or f"{dataset} model")
    return ax


def plot_progress(model, loss, path, dataset, steps=None, ax=None, title=None):
    """The data and the model's curve at several rows (steps) of one trajectory, from light
    (early) to dark (late) red, each labelled with its step and its loss on the whole dataset.
    ``steps`` defaults to six steps spread from 0 to the last."""
    import matplotlib.pyplot as plt
    x, y = DATASETS[dataset]
    path = np.asarray(path, dtype=float)
    last = len(path) - 1
    steps = sorted(set(steps if steps is not None else np.linspace(0, last, 6).round().astype(int)))
    ax = ax or plt.subplots(figsize=(6, 4), layout="constrained")[1]
    grid = np.linspace(x.min() - 0.1 * np.ptp(x), x.max() + 0.1 * np.ptp(x), 400)
    ax.plot(x, y, "o", color="#1f77b4", label="data", zorder=3)
    shades = plt.get_cmap("Reds")(np.linspace(0.3, 1.0, len(steps)))
    for shade, t in zip(shades, steps):
        ax.plot(grid, model(path[t], grid), color=shade, lw=1.6,
                label=f"step {t}: loss {loss(path[t], x, y):.3f}")
    ax.legend(fontsize=8)
    ax.set_xlabel("input x")
    ax.set_ylabel("output y")
    ax.set_title(title or f"{dataset} model along the path")
    return ax


def plot_loss_curves(loss, paths, dataset, ax=None, title=None, log=False):
    """The loss on the whole dataset at every row of each trajectory (label -> path), in the
    colours ``plot_contours`` gives the same paths."""
    import matplotlib.pyplot as plt
    x, y = _data(dataset)
    ax = ax or plt.subplots(figsize=(6, 4), layout="constrained")[1]
    for i, (label, path) in enumerate(paths.items()):
        values = [loss(phi, x, y) for phi in np.asarray(path, dtype=float)]
        ax.plot(values, color=PATH_COLORS[i % len(PATH_COLORS)], lw=1.5, label=f"{label}: {values[-1]:.3f}")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("step t")
    ax.set_ylabel("loss on the whole dataset")
    ax.legend(fontsize=8)
    ax.set_title(title or "loss along each path")
    return ax


def plot_final_losses(finals, ax=None, title=None, ylabel="final loss"):
    """Box plots of the final losses of many runs per method (label -> values), every run drawn
    as a dot beside them, and each method's median written above its box."""
    import matplotlib.pyplot as plt
    ax = ax or plt.subplots(figsize=(6, 4), layout="constrained")[1]
    data = [np.asarray(v, dtype=float) for v in finals.values()]
    positions = np.arange(1, len(data) + 1)
    ax.boxplot(data, positions=positions, widths=0.45, showfliers=False,
               medianprops=dict(color="k", lw=2))
    spread = np.random.RandomState(0)            # fixed jitter: the same picture every time
    top = max(float(np.max(d)) for d in data)
    for i, (p, d) in enumerate(zip(positions, data)):
        ax.plot(p + 0.32 + spread.uniform(-0.06, 0.06, len(d)), d, "o", ms=4, alpha=0.7,
                color=PATH_COLORS[i % len(PATH_COLORS)], mec="k", mew=0.4)
        ax.text(p, top * 1.04, f"median {np.median(d):.2f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(positions)
    ax.set_xticklabels(list(finals), fontsize=8)
    ax.set_xlim(0.4, len(data) + 0.8)
    ax.set_ylim(top=top * 1.15)
    ax.set_ylabel(ylabel)
    n = ", ".join(sorted({str(len(d)) for d in data}))
    ax.set_title(title or f"{n} runs each")
    return ax


def per_step_batches(seed, n_steps, n=30, batch_size=5):
    """Batches sampled per step, as the lecture's figures and the UDL notebooks 6.3 and 6.4 do:
    for every step, the first ``batch_size`` indices of a fresh ``permutation(n)`` drawn from
    ``np.random.RandomState(seed)``. (Not epochs: a point may come back before all were used.)"""
    rng = np.random.RandomState(seed)
    return [rng.permutation(n)[:batch_size] for _ in range(n_steps)]


class CallRecorder:
    """A function of one number that remembers every argument it was called with (``args``)."""

    def __init__(self, f):
        self.f = f
        self.args = []

    def __call__(self, a):
        self.args.append(a)
        return self.f(a)


def _rule(old, new):
    """Which bracketing rule turned the bracket ``old`` (a, b, c, d) into ``new``, if one did."""
    a, b, c, d = old
    if np.isclose(new[0], a) and np.isclose(new[3], a + (d - a) / 2):
        return 1
    if np.isclose(new[0], a) and np.isclose(new[3], c):
        return 2
    if np.isclose(new[0], b) and np.isclose(new[3], d):
        return 3
    return None


def plot_line_search(f, args, result=None, max_dist=None, columns=5):
    """Every iteration of a bracketing line search on ``f``, one panel each: the bracket [a, d]
    shaded, the four points a, b, c, d on the curve, and (when the next panel shows it) the rule
    that moved them. ``args`` are the points the search evaluated f at, in order: four per
    iteration, a, b, c, d (use a ``CallRecorder``). Returns the figure."""
    import matplotlib.pyplot as plt
    args = np.asarray(args, dtype=float).ravel()
    if args.size == 0 or args.size % 4:
        fig, ax = plt.subplots(figsize=(8, 1.2), layout="constrained")
        ax.axis("off")
        ax.text(0.5, 0.5, f"{args.size} evaluations of f: not four per iteration (a, b, c, d), so "
                "the brackets cannot be drawn", ha="center", va="center")
        return fig
    brackets = args.reshape(-1, 4)
    rows = -(-len(brackets) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(2.7 * columns, 2.4 * rows), sharey=True, squeeze=False,
                             layout="constrained")
    right = max_dist if max_dist is not None else float(brackets.max())
    grid = np.linspace(0, right, 300)
    curve = np.array([f(a) for a in grid])
    for i, ax in enumerate(axes.flat):
        if i >= len(brackets):
            ax.axis("off")
            continue
        a, b, c, d = brackets[i]
        ax.plot(grid, curve, "k", lw=1.2)
        ax.axvspan(a, d, color="#1f77b4", alpha=0.18, lw=0)
        for p, name, color in zip(brackets[i], "abcd", ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]):
            ax.plot(p, f(p), "o", color=color, ms=6, mec="k", mew=0.5, label=name)
        rule = _rule(brackets[i], brackets[i + 1]) if i + 1 < len(brackets) else None
        ax.set_title(f"iteration {i + 1}" + (f", then rule {rule}" if rule else ""), fontsize=9)
        ax.set_xlim(0, right)
        ax.tick_params(labelsize=7)
    axes.flat[0].legend(fontsize=7, loc="lower left")
    about = f"{args.size} evaluations of f ({len(brackets)} iterations of 4); shaded: the bracket [a, d]"
    if result is not None:
        about += f"; result (b + c)/2 = {float(result):.4f}"
    fig.suptitle(about, fontsize=10)
    return fig
