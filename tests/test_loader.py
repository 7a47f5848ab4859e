"""The notebook loader (fitting_tools.definitions), shared by the grader and the student self-check:
it keeps definitions, drops exploratory code, and reports broken notebooks without raising."""
import json

import pytest

from autograder import course

tools = course.current().tools


def notebook(path, *cells, meta=None):
    nb = {"cells": [{"cell_type": "code", "source": src, "metadata": meta or {}, "outputs": [],
                     "execution_count": None} for src in cells],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb))
    return path


def test_keeps_definitions_and_drops_exploration(tmp_path):
    nb = notebook(tmp_path / "a.ipynb",
                  "%matplotlib inline\nimport numpy as np\nimport os",
                  "RATE = 0.1\nGRID = np.linspace(0, 1, 5)\nBIG = [0] * 10",
                  "def f(x):\n    return x * RATE\n\nprint(f(1))\nos._exit(3)",
                  "while True:\n    pass",
                  "path = f(2)\nnp.random.seed(0)\nfor i in range(10**9):\n    pass",
                  "@staticmethod\ndef g():\n    return 1")
    defs = tools.definitions(str(nb))
    namespace, errors = tools.execute(defs)
    assert errors == [] and defs.problems == ()
    assert namespace["f"](10) == 1.0 and namespace["RATE"] == 0.1 and len(namespace["GRID"]) == 5
    assert "path" not in namespace and "g" in namespace
    kept = "\n".join(c.source for c in defs.chunks)
    assert "print" not in kept and "_exit" not in kept and "while" not in kept and "seed" not in kept


def test_syntax_error_names_the_cell_and_hides_only_its_functions(tmp_path):
    nb = notebook(tmp_path / "b.ipynb", "def ok():\n    return 1", "def broken(:\n    pass\ndef also():\n    pass")
    defs = tools.definitions(str(nb))
    namespace, _ = tools.execute(defs)
    assert namespace["ok"]() == 1
    assert defs.problems[0].kind == "syntax"
    assert "the cell starting `def broken(:`" in str(defs.problems[0]) and "syntax error" in str(defs.problems[0])
    assert set(defs.broken) == {"broken", "also"}
    with pytest.raises(NameError, match="def broken"):
        tools.load_functions(str(nb), "also")


def test_bad_notebooks_are_reported(tmp_path):
    (tmp_path / "c.ipynb").write_text('{"cells": [')
    problem = tools.definitions(str(tmp_path / "c.ipynb")).problems[0]
    assert problem.kind == "invalid" and "not a valid notebook" in str(problem)
    assert tools.definitions(str(tmp_path / "nope.ipynb")).problems[0].kind == "missing"
    (tmp_path / "d.ipynb").write_text('{"cells": 3}')
    assert tools.definitions(str(tmp_path / "d.ipynb")).problems[0].kind == "invalid"


def test_a_failing_statement_does_not_hide_the_others(tmp_path):
    nb = notebook(tmp_path / "e.ipynb", "import not_a_module_here\ndef f():\n    return 2")
    namespace, errors = tools.execute(tools.definitions(str(nb)))
    assert namespace["f"]() == 2 and "ModuleNotFoundError" in errors[0] and "`import not_a_module_here`" in errors[0]


def test_test_cells_are_skipped(tmp_path):
    meta = {"nbgrader": {"grade": True, "solution": False, "locked": True, "grade_id": "t", "points": 1,
                         "schema_version": 3}}
    nb = notebook(tmp_path / "f.ipynb", "from autograder.incell import grade", meta=meta)
    assert tools.definitions(str(nb)).chunks == ()


def test_tracebacks_name_the_notebook_and_the_statement(tmp_path):
    nb = notebook(tmp_path / "g.ipynb", "x = 1", "def f():\n    return 1 / 0")
    f = tools.load_functions(str(nb), "f")
    with pytest.raises(ZeroDivisionError) as error:
        f()
    assert error.traceback[-1].path == "<notebook g.ipynb, cell `def f():`>" and error.traceback[-1].lineno == 1


def test_an_answer_cell_changed_to_markdown_is_graded_as_code_and_said(tmp_path):
    """As nbgrader does (it turns the cell back into code): the student loses nothing, and is told."""
    meta = {"nbgrader": {"solution": True, "grade": False, "cell_type": "code", "grade_id": "f", "locked": False}}
    nb = notebook(tmp_path / "r.ipynb", "def f(x):\n    return 2 * x", meta=meta)
    data = json.loads(nb.read_text())
    data["cells"][0]["cell_type"] = "markdown"
    del data["cells"][0]["outputs"], data["cells"][0]["execution_count"]
    nb.write_text(json.dumps(data))
    defs = tools.definitions(str(nb))
    namespace, _ = tools.execute(defs)
    assert namespace["f"](2) == 4
    assert [p.kind for p in defs.problems] == ["retyped"]
    assert "changed to Markdown" in defs.problems[0].message and "`def f(x):`" in defs.problems[0].message
    plain = notebook(tmp_path / "m.ipynb", "def g():\n    return 1")     # a markdown cell of the student's own
    data = json.loads(plain.read_text())
    data["cells"][0]["cell_type"] = "markdown"
    plain.write_text(json.dumps(data))
    assert "g" not in tools.execute(tools.definitions(str(plain)))[0]
