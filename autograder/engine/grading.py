"""Grade submissions: sandboxed workers run the students' functions, the hidden tests judge the
outcomes, and each submission's Record goes to a sink as soon as it is ready.

    records, tier = grade(["submitted/"], jobs=2)                       # in memory
    summaries, graded, tier = grade_batch(["submitted/"], "grading/results.json")   # a class, resumably
"""
import json
import os
import sys
from pathlib import Path

import pytest

from .. import course as _course
from . import assignment, scoring
from .files import atomic_writer
from . import hidden
from .hidden import plugin
from .ledger import Ledger, checks_version
from .pool import WorkerPool
from .results import from_json, to_json
from .sandbox.supervisor import Limits
from .submissions import discover, fingerprint

# pytest plugins the hidden tests do not need in the batch (each costs time per test and per student)
UNUSED_PLUGINS = ("terminal", "warnings", "logging", "junitxml", "doctest", "pastebin",
                  "stepwise", "lfplugin", "faulthandler", "legacypath", "tmpdir", "monkeypatch",
                  "recwarn", "nose", "unraisableexception", "threadexception", "setuponly", "setupplan")


def run_hidden_tests(session):
    """Collect the hidden tests once and let ``session`` run them for every submission."""
    args = ["--capture=no"]
    for name in UNUSED_PLUGINS:
        args += ["-p", f"no:{name}"]
    code = hidden.run(*args, plugins=[session])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) or session.collected == 0:
        raise RuntimeError(f"the hidden tests did not run (pytest exit code {code})")


def warn_if_unsandboxed(tier):
    if not tier.sandboxed:
        print("warning: the sandbox is OFF: student code runs in a separate process but NOT in a sandbox "
              "(it can read and write your files)", file=sys.stderr)


def keep_memory_flat():
    """Each job carries a student's notebooks (~1 MB of text): with glibc's adaptive mmap threshold
    such buffers end up on the heap, which then grows with the class. A fixed threshold keeps them
    in mmap (returned at once): peak memory stays flat in N (measured: +11 MB per 600 students without)."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6").mallopt(-3, 128 * 1024)        # M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        pass


def run(todo, sink, jobs=1, tier="auto", limits=Limits(), course=None):
    """Grade ``todo`` (a list of Submission), handing each Record to ``sink`` as soon as it is
    ready (nothing is kept here). ``tier``: a tier name (auto, bwrap, restricted, off) or a Tier.
    Returns the sandbox Tier used."""
    course = course or _course.current()
    keep_memory_flat()
    pool = WorkerPool(jobs, tier, limits, course)
    warn_if_unsandboxed(pool.tier)

    def judged(run, results, explained):
        sink(scoring.record(run.submission.student, course.graded, lambda f: assignment.cases_of(f, course),
                            results, run.problems, explained, path=os.fspath(run.submission.path),
                            sandbox=pool.tier.name))

    try:
        if todo:
            run_hidden_tests(plugin.GradingSession(pool.map(todo), judged, course))
    finally:
        pool.close()
    return pool.tier


def grade(paths, jobs=1, tier="auto", limits=Limits()):
    """Grade every submission under ``paths`` in memory: (Records sorted by student, Tier). Each
    Record carries what it was graded from (files and checks), as the batch's records do."""
    todo, records = discover(paths), []
    stamps = {os.fspath(s.path): (str(s.path.resolve()), fingerprint(s)) for s in todo}
    version = checks_version()

    def keep(record):
        record.key, record.fingerprint = stamps[record.path]
        record.checks_version = version
        records.append(record)

    used = run(todo, keep, jobs, tier, limits)
    return sorted(records, key=lambda r: r.student), used


def summary(record):
    """What the class table needs of a record (kept for every student; the rest is streamed)."""
    return {"student": record["student"], "score": record["score"], "max_score": record["max_score"],
            "functions": [{"function": f["function"], "status": f["status"]} for f in record["functions"]]}


def grade_batch(paths, results, jobs=1, tier="auto", limits=Limits(), force=False, wait=False, progress=None):
    """Grade a class, resumably: every record is appended to the ledger next to ``results`` as it
    finishes; submissions already graded (same files, same checks version) are skipped unless
    ``force``; then ``results`` is rewritten from the ledger. Memory stays flat in the class size.
    Returns (summaries of this command's submissions, number graded now, the Tier used or None)."""
    todo_all = discover(paths)
    version = checks_version()
    with Ledger(Path(results).with_suffix(".jsonl"), wait=wait) as ledger:
        done = ledger.index()
        todo, keys = [], {}
        for submission in todo_all:
            key, fp = str(submission.path.resolve()), fingerprint(submission)
            keys[key] = submission
            if force or done.get(key, (None, None, None))[1:] != (fp, version):
                todo.append((submission, key, fp))
        meta = {str(s.path): (k, f) for s, k, f in todo}
        tick = progress(len(todo)) if progress else (lambda record: None)

        def keep(record):
            record.key, record.fingerprint = meta[record.path]
            record.checks_version = version
            ledger.append(to_json(record))
            tick(record)

        used = run([s for s, _, _ in todo], keep, jobs, tier, limits) if todo else None
        done = ledger.index()
        offsets = [done[key][0] for key in sorted(keys, key=lambda k: keys[k].student) if key in done]
        summaries = write_results(results, ledger, offsets, checks_version=version)
    return summaries, len(todo), used


def write_results(path, ledger, offsets, **meta):
    """Write the results JSON from ledger lines, one record at a time in memory, atomically."""
    summaries = []
    with atomic_writer(path) as f:
        f.write(json.dumps(meta)[:-1] + ', "submissions": [\n')
        for i, offset in enumerate(offsets):
            line = ledger.read(offset)
            f.write((",\n" if i else "") + json.dumps(line))
            summaries.append(summary(line))
        f.write("\n]}\n")
    return summaries


def records(path):
    """The Records of a results file."""
    with open(path, encoding="utf-8") as f:
        for data in json.load(f)["submissions"]:
            yield from_json(data)
