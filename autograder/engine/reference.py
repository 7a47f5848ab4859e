"""The reference: the solution cells of the source notebooks, loaded with the students' loader.

Nothing here is a second copy of an answer: every reference function is read from
``source/<assignment>/*.ipynb`` (the one hand-edited copy).
"""
import ast
import inspect
from functools import lru_cache

import numpy as np

from .. import course as _course
from .sandbox import lazy


def _course_or_current(course):
    return course or _course.current()


@lru_cache(maxsize=None)
def _definitions(course):
    return {nb: course.tools.definitions(str(course.source / nb)) for nb in course.notebooks}


@lru_cache(maxsize=None)
def _functions(course):
    import sys
    found = {}
    eager = "matplotlib" in sys.modules      # the notebooks import pyplot (0.8 s); grading never uses it
    if not eager:
        lazy.lazy_matplotlib()
    try:
        loaded = [(defs, course.tools.execute(defs)) for defs in _definitions(course).values()]
    finally:
        if not eager:
            lazy.drop_lazy_modules()
    for defs, (namespace, errors) in loaded:
        if errors or defs.problems:
            raise RuntimeError(f"the source notebook {defs.notebook} does not load: "
                               f"{errors or list(map(str, defs.problems))}")
        found.update({g.name: namespace[g.name] for g in course.graded if g.name in namespace})
    missing = {g.name for g in course.graded} - set(found)
    if missing:
        raise RuntimeError(f"no reference for {sorted(missing)} in {course.source}")
    return found


def functions(course=None):
    """Every graded function of the reference, by name."""
    return _functions(_course_or_current(course))


def _defined(chunk):
    return getattr(ast.parse(chunk.source).body[0], "name", None)


@lru_cache(maxsize=None)
def _function_sources(course):
    return {_defined(c): c.source for defs in _definitions(course).values() for c in defs.chunks
            if isinstance(ast.parse(c.source).body[0], ast.FunctionDef)}


def _names_used(source):
    return {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}


def closure(names, course=None):
    """The reference functions ``names`` need, themselves included (e.g. gabor_loss -> gabor_model);
    names that are not reference functions (the test inputs) are left out."""
    sources, found = _function_sources(_course_or_current(course)), set()
    todo = [n for n in names if n in sources]
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += [n for n in _names_used(sources[name]) if n in sources and n not in found]
    return frozenset(found)


def _bare(source):
    """A function's source without its docstring and comments (nbgrader's solution markers are
    comments): what reaches the sandbox is code, not the notebook's text."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body and \
                isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) and \
                isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def source_for(names, course=None):
    """Python source defining the reference functions ``names`` and what they need (bare code:
    no docstrings, comments or solution markers)."""
    sources = {name: _bare(source) for name, source in _function_sources(_course_or_current(course)).items()}
    needed = closure(names, course)
    return "import numpy as np\n\n" + "\n\n".join(sources[n] for n in sources if n in needed) + "\n"


@lru_cache(maxsize=None)
def _oracle(names, course):
    namespace = {}
    exec(compile(source_for(names, course), "<grader oracle>", "exec"), namespace)
    return {name: namespace[name] for name in names}


def oracle(names, course=None):
    """The reference functions ``names`` by name, to run in the grader when student code calls
    their stand-ins in the sandbox (``--hide-reference``, "the oracle" in ``protocol``)."""
    return _oracle(frozenset(names), _course_or_current(course))


def test_inputs_source(course=None):
    """Source of the assignment's test inputs (not reference answers: sent with every job)."""
    return inspect.getsource(_course_or_current(course).content.inputs)


@lru_cache(maxsize=None)
def _environment(course):
    from . import assignment
    namespace = {}
    exec(compile(test_inputs_source(course), "<grader test inputs>", "exec"), namespace)
    handed = {n for case in assignment.all_cases(course) for n in case.inputs}
    exec(compile(source_for(handed, course), "<grader inputs>", "exec"), namespace)
    return {"datasets": {name: (np.array(x, dtype=float), np.array(y, dtype=float))
                         for name, (x, y) in course.tools.DATASETS.items()},
            "inputs": namespace}


def environment(course=None):
    """What ``protocol.run_call`` needs to decode arguments in the grader: datasets and the
    functions handed to student code, built from the same sources as in the sandbox."""
    return _environment(_course_or_current(course))
