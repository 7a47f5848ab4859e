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
        if not isinstance(cell, dict) or cell.get("cell_type") != "code" or not select(cell):
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        source = _without_magics(source)
        lines = source.splitlines()
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
# Plots
# ---------------------------------------------------------------------------------------------

PARAMETER_RANGES = {"linear": ((0.0, 2.0), (-1.0, 1.0)), "gabor": ((-10.0, 10.0), (2.5, 22.5))}


def loss_grid(loss, x, y, phi0_range, phi1_range, size=61):
    """Loss on a size x size grid of (phi0, phi1); rows follow phi1, columns phi0."""
    phi0s = np.linspace(*phi0_range, size)
    phi1s = np.linspace(*phi1_range, size)
    values = np.array([[loss(np.array([p0, p1]), x, y) for p0 in phi0s] for p1 in phi1s])
    return phi0s, phi1s, values


def plot_contours(loss, dataset, paths=None, ax=None, title=None, ranges=None, size=61):
    """Loss contours over (phi0, phi1) with optimisation paths drawn on top.

    ``dataset`` is "linear", "gabor" or an (x, y) pair (then give ``ranges``);
    ``paths`` maps a label to a trajectory of shape (T+1, 2).
    """
    import matplotlib.pyplot as plt
    x, y = DATASETS[dataset] if isinstance(dataset, str) else dataset
    ranges = ranges or PARAMETER_RANGES[dataset]
    ax = ax or plt.subplots(figsize=(6, 5))[1]
    phi0s, phi1s, values = loss_grid(loss, x, y, *ranges, size=size)
    levels = np.quantile(values, np.linspace(0, 1, 25) ** 2)
    ax.contourf(phi0s, phi1s, values, levels=np.unique(levels), cmap="viridis_r", alpha=0.85)
    ax.contour(phi0s, phi1s, values, levels=np.unique(levels), colors="k", linewidths=0.3)
    colors = ["#d62728", "#ff7f0e", "#ffffff", "#e377c2", "#17becf"]
    for i, (label, path) in enumerate((paths or {}).items()):
        path = np.asarray(path, dtype=float)
        ax.plot(path[:, 0], path[:, 1], "o-", ms=3, lw=1.5, color=colors[i % len(colors)],
                label=f"{label}: loss {loss(path[-1], x, y):.3f}")
        ax.plot(*path[0], "s", color=colors[i % len(colors)], ms=7, mec="k")
    if paths:
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel(r"$\phi_0$")
    ax.set_ylabel(r"$\phi_1$")
    ax.set_title(title or (f"{dataset} loss" if isinstance(dataset, str) else "loss"))
    return ax


def plot_fit(model, phis, dataset, ax=None, title=None):
    """The data points and the model's curve for each parameter vector in ``phis``."""
    import matplotlib.pyplot as plt
    x, y = DATASETS[dataset]
    ax = ax or plt.subplots(figsize=(6, 4))[1]
    grid = np.linspace(x.min() - 0.1 * np.ptp(x), x.max() + 0.1 * np.ptp(x), 400)
    ax.plot(x, y, "o", color="#1f77b4", label="data")
    for label, phi in phis.items():
        ax.plot(grid, model(np.asarray(phi, dtype=float), grid), label=label)
    ax.legend(fontsize=8)
    ax.set_xlabel("input x")
    ax.set_ylabel("output y")
    ax.set_title(title or f"{dataset} model")
    return ax
