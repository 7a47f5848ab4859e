"""Self-check: run `pytest` in this folder.

Every notebook's *check* cells (the locked cells under each function) run against your functions,
loaded the way the grader loads them (imports, defs and simple constants only). One test per
function. The hidden tests, which decide your grade, are not run here.

Each check runs in a process of its own with a time limit (10 s, or FITTING_CHECK_TIMEOUT), so an
endless loop, a crash or `os._exit` costs only that check, and a notebook that cannot be read
costs only its own checks. Save your notebook before you run pytest: it reads them from disk.
"""
import json
import os
import pickle
import select
import signal
import sys
import time
import traceback

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
import fitting_tools  # noqa: E402 - after the backend is chosen

try:                      # the notebooks import pyplot: once here, not in every check's process
    import matplotlib.pyplot  # noqa: F401, E402
except ImportError:
    pass

TIMEOUT = float(os.environ.get("FITTING_CHECK_TIMEOUT", 10))


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".ipynb" and ".ipynb_checkpoints" not in file_path.parts:
        return NotebookChecks.from_parent(parent, path=file_path)
    return None


class NotebookChecks(pytest.File):
    def collect(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                cells = json.load(f)["cells"]
            if not isinstance(cells, list):
                raise TypeError("'cells' is not a list")
        except (OSError, ValueError, KeyError, TypeError, RecursionError) as error:
            yield Unreadable.from_parent(self, name="notebook", why=f"{type(error).__name__}: {error}")
            return
        for cell in cells:
            meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
            grade_id = str(meta.get("grade_id", ""))
            if grade_id.startswith("check_"):
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else str(source)
                yield CheckCell.from_parent(self, name=grade_id[len("check_"):], source=source)


class Unreadable(pytest.Item):
    """A notebook that cannot be read: one failing test for it, the others run."""

    def __init__(self, *, why, **kwargs):
        super().__init__(**kwargs)
        self.why = why

    def runtest(self):
        raise CheckFailed(f"{self.path.name} is not a valid notebook ({self.why}): open it in Jupyter; if it "
                          "does not open, fetch the assignment again and copy your answers into the fresh notebook")

    def repr_failure(self, excinfo):
        return str(excinfo.value)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::notebook"


class CheckFailed(Exception):
    """A check's failure, with the message a student should read."""


def _where(error):
    """The student function whose code raised, and the place, from a traceback."""
    name, place = None, ""
    for frame, line in traceback.walk_tb(error.__traceback__):
        filename = frame.f_code.co_filename
        if filename.startswith("<notebook "):
            name, place = frame.f_code.co_name, f" (in `{frame.f_code.co_name}`, line {line} of {filename[10:-1]})"
    return name, place


def run_check(notebook, function, source):
    """In the check's own process: load the notebook's definitions, run the check cell; the outcome
    as (kind, message) with kind "passed", "failed", "not implemented" or "error"."""
    defs = fitting_tools.definitions(notebook)
    namespace, errors = fitting_tools.execute(defs)
    if function not in namespace:
        problems = "; ".join(map(str, defs.problems + tuple(errors)))
        return "error", f"`{function}` is not defined in {os.path.basename(notebook)}" + (f" ({problems})" if problems else "")
    try:
        exec(compile(source, f"<check cell of {function}>", "exec"), namespace)
    except NotImplementedError as error:
        raised, _ = _where(error)
        who = f"`{raised}`" if raised else f"`{function}`"
        if raised and raised != function:
            who += f" (which the check of `{function}` calls)"
        return "not implemented", f"not implemented yet: {who} still raises NotImplementedError"
    except AssertionError as error:
        return "failed", str(error) or "a check failed"
    except BaseException as error:  # noqa: BLE001 - SystemExit, anything
        _, place = _where(error)
        return "error", f"{type(error).__name__}: {error}{place}"
    return "passed", ""


def _isolated(args):
    """run_check in a child process with a time limit (in this process where fork does not exist)."""
    if not hasattr(os, "fork"):
        return run_check(*args)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                      # the child: report, then leave without cleanup
        os.close(read)
        try:
            result = run_check(*args)
        except BaseException as error:  # noqa: BLE001
            result = ("error", f"{type(error).__name__}: {error}")
        os.write(write, pickle.dumps(result))
        sys.stdout.flush()
        os._exit(0)
    os.close(write)
    data, deadline = b"", time.monotonic() + TIMEOUT
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read], [], [], left)[0]:
                os.kill(pid, signal.SIGKILL)
                return "error", (f"took longer than {TIMEOUT:g} s (stopped): look for a loop that never ends; "
                                 "the grader stops at 3 s per call")
            chunk = os.read(read, 1 << 16)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(read)
        _, status = os.waitpid(pid, 0)
    if not data:
        code = os.waitstatus_to_exitcode(status)
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        return "error", f"the process running this check ended ({how}): a crash, os._exit or sys.exit in your code"
    return pickle.loads(data)


class CheckCell(pytest.Item):
    def __init__(self, *, source, **kwargs):
        super().__init__(**kwargs)
        self.source = source

    def runtest(self):
        kind, message = _isolated((str(self.path), self.name, self.source))
        if kind != "passed":
            raise CheckFailed(message)

    def repr_failure(self, excinfo):
        return str(excinfo.value) if isinstance(excinfo.value, CheckFailed) else super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}::{self.name}"


def pytest_terminal_summary(terminalreporter):
    if any("not implemented yet" in str(r.longrepr) for r in terminalreporter.stats.get("failed", [])):
        terminalreporter.write_line("'not implemented yet': the function still has `raise NotImplementedError()`.")
    terminalreporter.write_line(
        "These are the visible checks only. The hidden tests, which compare your whole trajectories "
        "step by step on more data, starts and hyperparameters, were not run: they decide your grade.",
        yellow=True)
