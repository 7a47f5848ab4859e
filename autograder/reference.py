"""The reference: the solution cells of the source notebooks, loaded with the students' loader.

Nothing here is a second copy of an answer: every reference function is read from
``source/fitting_models/*.ipynb`` (the one hand-edited copy).
"""
import ast
import inspect
import sys
from functools import lru_cache

import numpy as np

from . import course, inputs
from .sandbox.worker import _drop_lazy_modules as drop_lazy_modules
from .sandbox.worker import _lazy_matplotlib as lazy_matplotlib

# Reference functions the optimiser checks pass to students (as ``grad`` or ``loss``).
INPUT_FUNCTIONS = ("linear_model", "linear_loss", "linear_gradient",
                   "gabor_model", "gabor_loss", "gabor_gradient")


@lru_cache(maxsize=None)
def _definitions():
    tools = course.tools()
    return {nb: tools.definitions(str(course.SOURCE / nb)) for nb in course.notebooks()}


@lru_cache(maxsize=None)
def functions():
    """Every graded function of the reference, by name."""
    tools = course.tools()
    found = {}
    lazy = "matplotlib" not in sys.modules   # the notebooks import pyplot (0.8 s); grading never uses it
    if lazy:
        lazy_matplotlib()
    try:
        loaded = [(defs, tools.execute(defs)) for defs in _definitions().values()]
    finally:
        if lazy:
            drop_lazy_modules()
    for defs, (namespace, errors) in loaded:
        if errors or defs.problems:
            raise RuntimeError(f"the source notebook {defs.notebook} does not load: {errors or defs.problems}")
        found.update({g.name: namespace[g.name] for g in course.graded() if g.name in namespace})
    missing = {g.name for g in course.graded()} - set(found)
    if missing:
        raise RuntimeError(f"no reference for {sorted(missing)} in {course.SOURCE}")
    return found


def _defined(chunk):
    node = ast.parse(chunk.source).body[0]
    return getattr(node, "name", None)


@lru_cache(maxsize=None)
def _function_sources():
    """name -> source of every function defined in the source notebooks (answers and given code)."""
    return {_defined(c): c.source for defs in _definitions().values() for c in defs.chunks
            if isinstance(ast.parse(c.source).body[0], ast.FunctionDef)}


def _names_used(source):
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


def closure(names):
    """The reference functions ``names`` need, themselves included (e.g. gabor_loss -> gabor_model)."""
    sources, found, todo = _function_sources(), set(), list(names)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += [n for n in _names_used(sources[name]) if n in sources and n not in found]
    return frozenset(found)


def source_for(names):
    """Python source defining the reference functions ``names`` and what they need."""
    sources = _function_sources()
    needed = closure(names)
    return "import numpy as np\n\n" + "\n\n".join(sources[n] for n in sources if n in needed) + "\n"


@lru_cache(maxsize=None)
def test_inputs_source():
    """Source of the non-reference test inputs (sent with every job)."""
    return inspect.getsource(inputs)


def inputs_source():
    """Source of the reference losses and gradients the optimiser checks pass in."""
    return source_for(INPUT_FUNCTIONS)


@lru_cache(maxsize=None)
def environment():
    """What ``worker.run_call`` needs to decode arguments in the grader: datasets and inputs,
    built from the same sources as in the sandbox."""
    namespace = {}
    exec(compile(test_inputs_source(), "<grader test inputs>", "exec"), namespace)
    exec(compile(inputs_source(), "<grader inputs>", "exec"), namespace)
    tools = course.tools()
    return {"datasets": {name: (np.array(x, dtype=float), np.array(y, dtype=float))
                         for name, (x, y) in tools.DATASETS.items()},
            "inputs": namespace}
