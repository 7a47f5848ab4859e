"""``nbgrader collect`` with the course's collector when one submission is too large or too deep to
copy: nbgrader's own stops the collect of everyone after it; ours collects that student's notebooks
and timestamp, says so, and goes on."""
import os
import subprocess
import sys
from pathlib import Path

STAMP = "2026-12-01 10:00:00.000000 UTC"
CONFIG = """c = get_config()
c.CourseDirectory.root = {course!r}
c.CourseDirectory.course_id = "fm"
c.Exchange.root = {exchange!r}
c.ExchangeFactory.collect = "autograder.cycle.exchange.OwnerCheckedCollect"
c.ExchangeCollect.check_owner = False          # every file here is root's
c.CourseDirectory.max_dir_size = 1000          # kilobytes
"""


def test_a_huge_or_deep_submission_does_not_stop_the_collect(tmp_path):
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(CONFIG.format(course=str(course), exchange=str(exchange)))
    for student in ("ada", "ben", "cai", "dan"):
        folder = exchange / "fm" / "inbound" / f"{student}+fitting_models+{STAMP}+x1"
        folder.mkdir(parents=True)
        (folder / "1_gradients.ipynb").write_text('{"cells": []}')
        (folder / "timestamp.txt").write_text(STAMP)
    (exchange / "fm" / "inbound" / f"ben+fitting_models+{STAMP}+x1" / "data.bin").write_bytes(os.urandom(2 << 20))
    deep = exchange / "fm" / "inbound" / f"cai+fitting_models+{STAMP}+x1"
    for _ in range(1200):                       # beyond Python's recursion limit for os.walk
        deep = deep / "d"
        deep.mkdir()
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    done = subprocess.run([sys.executable, "-m", "nbgrader", "collect", "fitting_models"], cwd=course, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    for student in ("ada", "ben", "cai", "dan"):
        got = course / "submitted" / student / "fitting_models"
        assert sorted(p.name for p in got.iterdir()) == ["1_gradients.ipynb", "timestamp.txt"], student
    assert "ben+fitting_models" in done.stderr and "more than CourseDirectory.max_dir_size" in done.stderr
    assert "folders nested too deeply" in done.stderr


def teardown_function(function):
    subprocess.run(["sh", "-c", "rm -rf /tmp/pytest-of-*/pytest-*/test_a_huge_or_deep_submissio*/exchange"])
