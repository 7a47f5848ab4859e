"""Grade submissions: sandboxed workers compute the student outputs, the hidden checks judge them.

    records = grade(["submitted/"], jobs=2)

Workers run in threads of this process (each drives one sandboxed fork server); the checks run in
this process's pytest session, collected once per batch.
"""
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from . import cases, course, reference, scoring
from .plugin import GradingSession
from .ledger import Ledger, checks_version
from .sandbox.pool import Limits, Worker, WorkerDied, bwrap_works
from .submissions import discover, given_chunks, read
from .submissions import fingerprint as submission_fingerprint

CHECKS = Path(__file__).with_name("checks")


def _job_template(limits):
    tools = course.tools()
    return {"functions": {g.name: g.notebook for g in course.graded()},
            "datasets": {k: [x.tolist(), y.tolist()] for k, (x, y) in tools.DATASETS.items()},
            "test_inputs": reference.test_inputs_source(),
            "given": given_chunks(),
            "limits": {"call_seconds": limits.call_seconds, "memory_mb": limits.memory_mb}}


def plan():
    """[(call ids, reference source or None, names to inject)] per stage (cases.stages())."""
    found, held = [], set()
    for needs, ids in cases.stages():
        inject = sorted({dep for i in ids for dep in cases.BUILDS_ON.get(cases.all_cases()[i].function, ())})
        held |= needs                     # a restarted child gets everything its stage may hold
        found.append((ids, reference.source_for(held) if needs else None, inject))
    return found


class WorkerPool:
    """``jobs`` sandboxed workers, each driven by a thread; results come back as they finish."""

    def __init__(self, jobs=1, sandbox=None, limits=Limits()):
        self.jobs, self.limits = max(1, jobs), limits
        self.sandbox = bwrap_works() if sandbox is None else sandbox
        self.helper_dir = tempfile.mkdtemp(prefix="grader-helpers-")
        shutil.copy(course.SOURCE / course.TOOLS, self.helper_dir)    # the released helper, pristine
        self.template = _job_template(limits)
        self.calls = cases.calls()
        self.case_ids = [c.id for c in cases.all_cases()]
        self.plan = plan()

    def close(self):
        shutil.rmtree(self.helper_dir, ignore_errors=True)

    def map(self, submissions):
        """Yield (submission, loaded, outcomes by case id), in the order they finish."""
        tasks, done = queue.Queue(), queue.Queue(maxsize=2 * self.jobs)   # bounded: memory stays flat
        for submission in submissions:
            tasks.put(submission)
        threads = [threading.Thread(target=self._serve, args=(tasks, done), daemon=True)
                   for _ in range(min(self.jobs, len(submissions)) or 1)]
        for thread in threads:
            thread.start()
        for _ in submissions:
            yield done.get()
        for thread in threads:
            thread.join()

    def _serve(self, tasks, done):
        worker = None
        while True:
            try:
                submission = tasks.get_nowait()
            except queue.Empty:
                break
            try:
                worker = worker or Worker(self.helper_dir, self.sandbox, self.limits,
                                          hidden=[Path(__file__).parent])
                done.put(self._grade(worker, submission))
            except Exception as error:  # noqa: BLE001 - a result is recorded whatever happens
                done.put(self._failed(submission, f"grading failed: {type(error).__name__}: {error}"))
                if isinstance(error, WorkerDied) and worker is not None:
                    worker.close()
                    worker = None
        if worker is not None:
            worker.close()

    def _grade(self, worker, submission):
        notebooks = read(submission)
        loaded, outcomes = worker.run(dict(self.template, notebooks=notebooks), self.calls, self.plan)
        if loaded is None:          # what the grader knows without the sandbox's report
            loaded = {"problems": [n["problem"] for n in notebooks if n["text"] is None]}
        return submission, loaded, {self.case_ids[i]: e for i, e in outcomes.items()}

    def _failed(self, submission, message):
        outcomes = {cid: {"event": "error", "kind": "exception", "message": message} for cid in self.case_ids}
        return submission, {"problems": [message]}, outcomes


# pytest plugins the hidden checks do not need (each costs time per check and per student)
UNUSED_PLUGINS = ("cacheprovider", "terminal", "warnings", "logging", "junitxml", "doctest", "pastebin",
                  "stepwise", "lfplugin", "faulthandler", "legacypath", "tmpdir", "monkeypatch",
                  "recwarn", "nose", "unraisableexception", "threadexception", "setuponly", "setupplan")


def run_checks(session):
    """Collect the hidden checks once and let ``session`` run them for every submission."""
    args = ["-c", str(CHECKS / "pytest.ini"), "--rootdir", str(CHECKS), "--capture=no",
            "-p", "autograder.plugin", str(CHECKS)]
    for plugin in UNUSED_PLUGINS:
        args[:0] = ["-p", f"no:{plugin}"]
    code = pytest.main(args, plugins=[session])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or session.collected == 0:
        raise RuntimeError(f"the hidden checks did not run (pytest exit code {code})")


def warn_if_unsandboxed(sandboxed):
    if not sandboxed:
        print("warning: bubblewrap (bwrap) is not available: student code runs in a separate process "
              "but NOT in a sandbox (it can read and write your files). Install bubblewrap.",
              file=sys.stderr)


def keep_memory_flat():
    """Each job carries a student's notebooks (~1 MB of text): with glibc's adaptive mmap threshold
    such buffers end up on the heap, which then grows with the class. A fixed threshold keeps them
    in mmap (returned at once): peak memory stays flat in N (measured: +11 MB per 600 students without)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").mallopt(-3, 128 * 1024)        # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def run(submissions, sink, jobs=1, sandbox=None, limits=Limits()):
    """Grade ``submissions`` (a list of Submission), handing each record to ``sink`` as soon as it
    is ready (nothing is kept here). Returns whether the sandbox was on."""
    keep_memory_flat()
    pool = WorkerPool(jobs, sandbox, limits)
    warn_if_unsandboxed(pool.sandbox)

    def judged(submission, loaded, verdicts):
        problems = list(loaded.get("problems", ())) + list(loaded.get("errors", ()))
        sink(scoring.record(submission.student, verdicts, problems, path=os.fspath(submission.path)))

    try:
        if submissions:
            run_checks(GradingSession(pool.map(submissions), judged))
    finally:
        pool.close()
    return pool.sandbox


def grade(paths, jobs=1, sandbox=None, limits=Limits()):
    """Grade every submission under ``paths`` in memory: (records sorted by student, sandboxed)."""
    records = []
    sandboxed = run(discover(paths), records.append, jobs, sandbox, limits)
    return sorted(records, key=lambda r: r["student"]), sandboxed


def summary(record):
    """What the class table needs of a record (kept for every student; the rest is streamed)."""
    return {"student": record["student"], "score": record["score"], "max_score": record["max_score"],
            "functions": [{"function": f["function"], "status": f["status"]} for f in record["functions"]]}


def grade_batch(paths, results, jobs=1, sandbox=None, limits=Limits(), force=False, wait=False,
                progress=None):
    """Grade a class, resumably: every record is appended to the ledger next to ``results`` as it
    finishes; submissions already graded (same files, same checks version) are skipped unless
    ``force``; then ``results`` is rewritten from the ledger. Memory stays flat in the class size.
    Returns (summaries of this command's submissions, number graded now, sandboxed)."""
    submissions = discover(paths)
    version = checks_version()
    with Ledger(Path(results).with_suffix(".jsonl"), wait=wait) as ledger:
        done = ledger.index()
        todo, keys = [], {}
        for submission in submissions:
            key, fingerprint = str(submission.path.resolve()), submission_fingerprint(submission)
            keys[key] = submission
            if force or done.get(key, (None, None, None))[1:] != (fingerprint, version):
                todo.append((submission, key, fingerprint))
        meta = {s.path: (k, f) for s, k, f in todo}
        tick = progress(len(todo)) if progress else (lambda record: None)

        def keep(record):
            key, fingerprint = meta[Path(record["path"])]
            record.update(key=key, fingerprint=fingerprint, checks_version=version)
            ledger.append(record)
            tick(record)

        sandboxed = run([s for s, _, _ in todo], keep, jobs, sandbox, limits) if todo else bwrap_works()
        done = ledger.index()
        offsets = [done[key][0] for key in sorted(keys, key=lambda k: keys[k].student) if key in done]
        summaries = write_results(results, ledger, offsets, checks_version=version, sandbox=sandboxed)
    return summaries, len(todo), sandboxed


def write_results(path, ledger, offsets, **meta):
    """Write the results JSON from ledger lines, one record at a time, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    summaries = []
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(json.dumps(meta)[:-1] + ', "submissions": [\n')
        for i, offset in enumerate(offsets):
            record = ledger.read(offset)
            f.write((",\n" if i else "") + json.dumps(record))
            summaries.append(summary(record))
        f.write("\n]}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return summaries
