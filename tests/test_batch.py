"""Grading a class: nothing lost, resumable after a kill or Ctrl-C, one grader at a time per results
file, a crashed worker costs one submission, the same results with 1 or 2 jobs, and a new checks
version regrades."""
import json
import signal
import subprocess
import sys
import time

import pytest

from autograder.cycle.fabricate import make_submission
from autograder.engine import grading

SLOW = """
def parabola_slope(x):
    import time
    time.sleep(0.4)
    return 2 * x - 4
"""
KILL_WORKER = """
def gabor_model(phi, x):
    import os, signal
    os.kill(os.getppid(), signal.SIGKILL)
"""


def grader(results, *paths, jobs=1, extra=()):
    return subprocess.Popen([sys.executable, "-m", "autograder", "grade", *map(str, paths), "--json", str(results),
                             "--jobs", str(jobs), *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ledger_lines(results):
    path = results.with_suffix(".jsonl")
    return path.read_text().count("\n") if path.exists() else 0


def submissions(results):
    return json.loads(results.read_text())["submissions"]


@pytest.fixture(scope="module")
def slow_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("slow")
    for i in range(6):
        make_submission(root / f"s{i}", {"parabola_slope": SLOW} | ({"adam": None} if i % 2 else {}))
    return root


def wait_for_lines(results, count, process, seconds=60):
    deadline = time.monotonic() + seconds
    while ledger_lines(results) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_killed_and_interrupted_batches_resume_to_the_same_results(slow_class, tmp_path):
    reference = tmp_path / "reference.json"
    assert grader(reference, slow_class).wait() == 0

    results = tmp_path / "resumed.json"
    first = grader(results, slow_class)
    wait_for_lines(results, 2, first)
    first.send_signal(signal.SIGKILL)                      # killed mid-batch
    first.wait()
    assert not results.exists()
    kept = ledger_lines(results)
    assert 2 <= kept < 6

    second = grader(results, slow_class)
    wait_for_lines(results, kept + 1, second)
    second.send_signal(signal.SIGINT)                      # Ctrl-C
    out, err = second.communicate()
    assert second.returncode == 130 and "run the same command to resume" in err

    third = grader(results, slow_class)
    out, err = third.communicate()
    assert third.returncode == 0, err
    assert "already graded" in out
    assert submissions(results) == submissions(reference)
    assert ledger_lines(results) == 6                       # nobody graded twice


def test_a_second_grader_refuses_or_waits(slow_class, tmp_path):
    results = tmp_path / "shared.json"
    first = grader(results, slow_class)
    wait_for_lines(results, 1, first)
    refused = grader(results, slow_class)
    out, err = refused.communicate()
    assert refused.returncode == 2 and "another grader is writing" in err
    waiting = grader(results, slow_class, extra=["--wait"])
    assert first.wait() == 0
    out, err = waiting.communicate()
    assert waiting.returncode == 0 and "graded 0 submission(s)" in out
    lines = results.with_suffix(".jsonl").read_text().splitlines()
    assert len(lines) == 6 and all(json.loads(line)["score"] for line in lines)


def test_a_submission_that_kills_its_worker_costs_only_itself(tmp_path):
    make_submission(tmp_path / "class" / "a-killer", {"gabor_model": KILL_WORKER})
    make_submission(tmp_path / "class" / "b-honest")
    records, _ = grading.grade([tmp_path / "class"])
    killer, honest = records
    assert honest.score == honest.max_score
    lost = {f.function: f.score for f in killer.functions if f.score < f.max_score}
    assert list(lost) == ["gabor_model"] and lost["gabor_model"] == 0


def test_same_results_with_one_or_two_jobs(slow_class, tmp_path):
    one, two = tmp_path / "one.json", tmp_path / "two.json"
    assert grader(one, slow_class, jobs=1).wait() == 0
    assert grader(two, slow_class, jobs=2).wait() == 0
    assert submissions(one) == submissions(two)


def test_new_checks_version_regrades_and_is_recorded(tmp_path, monkeypatch):
    make_submission(tmp_path / "class" / "x")
    results = tmp_path / "r.json"
    _, graded, _ = grading.grade_batch([tmp_path / "class"], results)
    assert graded == 1
    _, graded, _ = grading.grade_batch([tmp_path / "class"], results)
    assert graded == 0
    monkeypatch.setattr(grading, "checks_version", lambda: "fixed-check")
    _, graded, _ = grading.grade_batch([tmp_path / "class"], results)
    assert graded == 1 and submissions(results)[0]["checks_version"] == "fixed-check"
    (tmp_path / "class" / "x" / "3_sgd.ipynb").write_text("{}")        # the student changed a file
    _, graded, _ = grading.grade_batch([tmp_path / "class"], results)
    assert graded == 1 and submissions(results)[0]["score"] < submissions(results)[0]["max_score"]
