"""Self-check: run `pytest` in this folder.

Every notebook's *check* cells (the locked cells under each function) run against your functions,
loaded the way the grader loads them (imports, defs and simple constants only). One test per
function. The hidden tests, which decide your grade, are not run here.
"""
import json
import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
import fitting_tools  # noqa: E402 - after the backend is chosen


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".ipynb" and ".ipynb_checkpoints" not in file_path.parts:
        return NotebookChecks.from_parent(parent, path=file_path)
    return None


class NotebookChecks(pytest.File):
    def collect(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                cells = json.load(f)["cells"]
        except (ValueError, KeyError) as error:
            raise pytest.UsageError(f"{self.path.name} is not a valid notebook: {error}") from error
        self.defs = fitting_tools.definitions(str(self.path))
        self._namespace = None
        for cell in cells:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
            if grade_id.startswith("check_"):
                source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                yield CheckCell.from_parent(self, name=grade_id[len("check_"):], source=source)

    def namespace(self):
        if self._namespace is None:
            self._namespace, self.errors = fitting_tools.execute(self.defs)
        return self._namespace


class CheckCell(pytest.Item):
    def __init__(self, *, source, **kwargs):
        super().__init__(**kwargs)
        self.source = source

    def runtest(self):
        namespace = dict(self.parent.namespace())
        if self.name not in namespace:
            problems = "; ".join(self.parent.defs.problems + tuple(self.parent.errors))
            raise NameError(f"`{self.name}` is not defined in {self.path.name}" + (f" ({problems})" if problems else ""))
        exec(compile(self.source, f"{self.path.name}[check {self.name}]", "exec"), namespace)

    def repr_failure(self, excinfo):
        error = excinfo.value
        if isinstance(error, NotImplementedError):
            return "not implemented yet"
        if isinstance(error, AssertionError):
            return str(error) or "a check failed"
        where = [e for e in excinfo.traceback if "[cell" in str(e.path) or "[check" in str(e.path)]
        line = f" ({where[-1].path}, line {where[-1].lineno + 1})" if where else ""
        return f"{type(error).__name__}: {error}{line}"

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"


def pytest_terminal_summary(terminalreporter):
    if any("not implemented yet" in str(r.longrepr) for r in terminalreporter.stats.get("failed", [])):
        terminalreporter.write_line("'not implemented yet': the function still has `raise NotImplementedError()`.")
    terminalreporter.write_line(
        "These are the visible checks only. The hidden tests, which compare your whole trajectories "
        "step by step on more data, starts and hyperparameters, were not run: they decide your grade.",
        yellow=True)
