"""Workers in parallel: ``jobs`` supervised sandbox workers, each driven by a thread of this
process, grading a stream of submissions; results come back as they finish."""
import os
import queue
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

from .. import course as _course
from . import assignment, protocol, reference, submissions
from .results import Problem
from .sandbox import tiers
from .sandbox.harden import Unsafe
from .sandbox.supervisor import Limits, Supervisor, WorkerDied
from .verdicts import GRADER_ERROR


MAX_PROBLEMS = 20                 # load problems kept per submission (the rest are counted)


@dataclass
class Run:
    """What the sandbox said about one submission."""
    submission: submissions.Submission
    broken: dict                  # graded function -> why its cell could not be read
    outcomes: dict                # case id -> outcome body
    problems: list                # of Problem: the grader's and the loader's


def setup(course, limits):
    """The fixed part of every job, sent once to each worker (with its ``policy``)."""
    return {"tools": Path(course.content.TOOLS).stem,
            "functions": {g.name: g.notebook for g in course.graded},
            "datasets": {k: [x.tolist(), y.tolist()] for k, (x, y) in course.tools.DATASETS.items()},
            "test_inputs": reference.test_inputs_source(course),
            "given": submissions.given_chunks(course),
            "limits": {"call_seconds": limits.call_seconds, "memory_mb": limits.memory_mb}}


def secrets(course):
    """Files no student code may read: the probe of every new worker tries them."""
    package = Path(__file__).resolve().parent.parent
    return [course.source / course.notebooks[0], course.root / "nbgrader_config.py", package / "course.py"]


def _problems(loaded, course):
    """The loader's problems and load errors, as reported from the sandbox (at most MAX_PROBLEMS;
    anything not well formed is dropped)."""
    found = []
    for item in (loaded or {}).get("problems", []) + (loaded or {}).get("errors", []):
        if isinstance(item, dict) and isinstance(item.get("message"), str):
            kind = item.get("kind") if item.get("kind") in ("missing", "invalid", "syntax", "retyped") else "load_error"
            notebook = item.get("notebook") if item.get("notebook") in course.notebooks else None
            found.append(Problem(kind, item["message"], notebook, reported=True))
    if len(found) > MAX_PROBLEMS:
        found = found[:MAX_PROBLEMS] + [Problem("load_error", f"... and {len(found) - MAX_PROBLEMS} more errors "
                                                              "while loading your notebooks", reported=True)]
    return found


def _broken(loaded, course):
    """Graded function -> why its cell could not be read, as reported from the sandbox."""
    broken = (loaded or {}).get("broken", {})
    return {name: why for name, why in broken.items() if name in course.graded_by_name and isinstance(why, str)}


class WorkerPool:
    """``jobs`` supervised workers in the strongest sandbox tier that holds here (``tier``: a
    requested tier name, or a Tier)."""

    def __init__(self, jobs=1, tier="auto", limits=Limits(), course=None, only=None):
        self.course = course or _course.current()
        self.jobs, self.limits = max(1, jobs), limits
        self.helper_dir = tempfile.mkdtemp(prefix="grader-worker-")
        os.chmod(self.helper_dir, 0o755)
        for path in tiers.helper_files(self.course.tools_path):
            shutil.copy(path, self.helper_dir)               # the worker's files and the pristine helper
        self.setup = setup(self.course, limits)
        self.secrets = secrets(self.course)
        self.keys = assignment.keys(self.course)               # outcome key of each call id
        plan = [(calls, self._handover(names), inject) for calls, names, inject in assignment.plan(self.course)]
        if only is not None:                                 # only some cases (pytest -k)
            wanted = set(only) | {assignment.OWN + i for i in only}
            plan = [([c for c in calls if self.keys[c["id"]] in wanted], handover, inject)
                    for calls, handover, inject in plan]
        self.plan = plan
        given = {n for _, handover, _ in plan for n in (handover or {}).get("given", ())}
        self.oracle = reference.oracle(given, self.course) if limits.hide_reference else {}
        self.tier, self.first = self._first_worker(tier)

    def _handover(self, names):
        """How a stage's reference functions reach student code: their source, run in the sandbox
        (fast); or, with ``hide_reference``, only their names: stand-ins that call them here."""
        if names is None:
            return None
        return {"given": list(names)} if self.limits.hide_reference else \
            {"inputs": reference.source_for(names, self.course)}

    def _supervisor(self, tier, slot):
        cpu = int(self.limits.load_seconds + len(self.keys) * self.limits.call_seconds) + 10
        return Supervisor(tier, self.helper_dir, dict(self.setup, policy=tier.policy(self.helper_dir, slot, cpu)),
                          self.limits, self.secrets, self.oracle)

    def _first_worker(self, requested):
        """The first worker, in the strongest tier whose probe passes (Unavailable if none)."""
        tried = [requested] if isinstance(requested, tiers.Tier) else tiers.candidates(requested)
        refused = []
        for tier in tried:
            try:
                return tier, self._supervisor(tier, 0)
            except (Unsafe, WorkerDied) as error:
                refused.append(str(error))
        self.close()
        raise tiers.Unavailable("; ".join(refused) + ". To grade without a sandbox (student code can then read "
                                "and write your files), pass --sandbox off")

    def close(self):
        if getattr(self, "first", None) is not None:
            self.first.close()
            self.first = None
        shutil.rmtree(self.helper_dir, ignore_errors=True)

    def map(self, todo):
        """Yield a Run per submission of ``todo``, in the order they finish."""
        tasks, done = queue.Queue(), queue.Queue(maxsize=2 * self.jobs)   # bounded: memory stays flat
        for submission in todo:
            tasks.put(submission)
        threads = [threading.Thread(target=self._serve, args=(tasks, done, slot), daemon=True)
                   for slot in range(min(self.jobs, len(todo)) or 1)]
        for thread in threads:
            thread.start()
        for _ in todo:
            yield done.get()
        for thread in threads:
            thread.join()

    def _serve(self, tasks, done, slot):
        supervisor = None
        if slot == 0:
            supervisor, self.first = self.first, None
        while True:
            try:
                submission = tasks.get_nowait()
            except queue.Empty:
                break
            try:
                supervisor = supervisor or self._supervisor(self.tier, slot)
                done.put(self._grade(supervisor, submission))
            except Exception as error:  # noqa: BLE001 - a result is recorded whatever happens
                done.put(self._failed(submission, f"grading failed: {type(error).__name__}: {error}"))
                if supervisor is not None:
                    supervisor.close()
                    supervisor = None
        if supervisor is not None:
            supervisor.close()

    def _grade(self, supervisor, submission):
        notebooks, problems = submissions.read(submission, self.course)
        loaded, outcomes = supervisor.run(notebooks, self.plan)
        return Run(submission, _broken(loaded, self.course), {self.keys[i]: o for i, o in outcomes.items()},
                   problems + _problems(loaded, self.course))

    def _failed(self, submission, message):
        message = protocol.clean_text(message)
        outcomes = {key: {"kind": GRADER_ERROR, "message": message} for key in self.keys}
        return Run(submission, {}, outcomes, [Problem("grader_error", message)])
