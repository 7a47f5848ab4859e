"""Submissions that hang, crash, exhaust memory, fake results, cheat or attack the grader: each gets
a recorded result, none gains a point, and the batch finishes; in every sandbox tier that holds
here (bwrap and restricted). The attacks on isolation itself are in ``test_isolation.py``."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.cycle.fabricate import make_submission
from autograder.engine.grading import grade
from autograder.engine.sandbox import tiers
from autograder.engine.sandbox.supervisor import Limits

from .helpers import COURSE, POINTS, by_student

SENTINEL = COURSE.root / "PWNED-by-a-student"

ATTACKS = {
    "hang": ("sgd", """
def sgd(grad, phi0, x, y, batches, learning_rate):
    while True:
        pass
"""),
    "hang-ignoring-alarms": ("adam", """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    import signal
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        try:
            pass
        except BaseException:
            pass
"""),
    "memory-bomb": ("linear_loss", """
def linear_loss(phi, x, y):
    hoard = []
    while True:
        hoard.append(bytearray(10 ** 8))
"""),
    "os-exit": ("gabor_model", """
def gabor_model(phi, x):
    import os
    os._exit(0)
"""),
    "segfault": ("gabor_loss", """
def gabor_loss(phi, x, y):
    import ctypes
    ctypes.string_at(0)
"""),
    "sys-exit": ("parabola_slope", """
import sys
sys.exit(0)
def parabola_slope(x):
    sys.exit(0)
"""),
    "exit-at-import": ("step_decay", """
class Boom:
    import os
    os._exit(3)
def step_decay(lr0, factor, every):
    return lambda t: lr0
"""),
    "fake-results": ("linear_gradient", """
def linear_gradient(phi, x, y):
    import os
    line = b'{"event": "result", "call": 0, "output": {"$array": [0.0], "shape": []}}\\n'
    print(line.decode())
    for fd in range(3, 12):
        try:
            os.write(fd, line + b'{"event": "done"}\\n')
        except OSError:
            pass
    return np.zeros(2)
"""),
    "monkeypatch-numpy": ("numerical_gradient", """
def numerical_gradient(loss, phi, h=1e-5):
    np.allclose = lambda *a, **k: True
    np.isclose = lambda *a, **k: True
    np.array_equal = lambda *a, **k: True
    np.testing.assert_allclose = lambda *a, **k: None
    return np.zeros(2)
"""),
    "steal-reference": ("gabor_gradient", f"""
def gabor_gradient(phi, x, y):
    import gc, json
    for thing in gc.get_objects():       # a reference gradient in this process?
        if callable(thing) and getattr(thing, "__name__", "") == "gabor_gradient" and thing is not gabor_gradient:
            return thing(phi, x, y)
    try:
        import autograder.reference
        return autograder.reference.functions()["gabor_gradient"](phi, x, y)
    except ImportError:
        pass
    cells = json.load(open({str(COURSE.source / "1_gradients.ipynb")!r}))["cells"]
    namespace = {{"np": np, "gabor_model": gabor_model}}
    for cell in cells:
        if cell["metadata"].get("nbgrader", {{}}).get("grade_id") == "gabor_gradient":
            exec("".join(cell["source"]), namespace)
    return namespace["gabor_gradient"](phi, x, y)
"""),
    "read-hidden-tests": ("gradient_descent", f"""
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
    text = open({str(Path(__file__).resolve().parent.parent / "autograder" / "fitting_models" / "cases.py")!r}).read()
    return np.zeros((n_steps + 1, 2)) + len(text)
"""),
    "write-files-and-background": ("epoch_batches", f"""
def epoch_batches(n, batch_size, rng):
    import subprocess, os
    subprocess.Popen(["sleep", "1234"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        while True:
            pass
    try:
        open({str(SENTINEL)!r}, "w").write("x")           # the course folder: invisible in the sandbox
    except OSError:
        pass
    open({str(Path(sys.prefix) / "PWNED-by-a-student")!r}, "w").write("x")   # read-only there
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]
"""),
}


def available(tier):
    try:
        return tiers.candidates(tier)[0]
    except tiers.Unavailable:
        return None


@pytest.fixture(scope="module", params=[pytest.param(t, marks=pytest.mark.skipif(available(t) is None,
                                                                                reason=f"no {t} tier here"))
                                        for t in ("bwrap", "restricted")])
def attacked(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"attacks-{request.param}")
    for name, (function, code) in ATTACKS.items():
        make_submission(root / name, {function: code})
    make_submission(root / "honest")
    started = time.monotonic()
    records, tier = grade([root], jobs=2, tier=request.param, limits=Limits(call_seconds=1.0))
    yield by_student(records), tier.sandboxed, time.monotonic() - started
    SENTINEL.unlink(missing_ok=True)          # only reachable without bubblewrap
    (Path(sys.prefix) / "PWNED-by-a-student").unlink(missing_ok=True)


def functions(record):
    return {f.function: f for f in record.functions}


def test_every_attack_gets_a_record_and_the_batch_finishes(attacked):
    records, _, seconds = attacked
    assert set(records) == set(ATTACKS) | {"honest"}
    assert records["honest"].score == records["honest"].max_score
    assert seconds < 120


@pytest.mark.parametrize("name", [n for n in ATTACKS if n not in ("write-files-and-background", "exit-at-import")])
def test_no_attack_gains_a_point_and_others_are_untouched(attacked, name):
    records, sandboxed, _ = attacked
    function = ATTACKS[name][0]
    found = functions(records[name])
    assert found[function].score == 0, found[function]
    assert all(f.score == f.max_score for n, f in found.items() if n != function)


def test_statuses_say_what_happened(attacked):
    records, _, _ = attacked
    status = lambda name: {c.status for c in records[name].cases_of(ATTACKS[name][0])}
    assert status("hang") == {"timeout"} and status("hang-ignoring-alarms") == {"timeout"}
    assert status("os-exit") == {"error"} and status("segfault") == {"error"}
    assert status("memory-bomb") <= {"error", "timeout"}          # MemoryError, or too slow to fill
    crash = records["segfault"].cases_of("gabor_loss")[0]
    assert "signal 11" in crash.message
    assert "SystemExit" in records["sys-exit"].cases_of("parabola_slope")[0].message


def test_exit_while_loading_costs_the_submission_with_a_reason(attacked):
    records, _, _ = attacked
    record = records["exit-at-import"]
    assert record.score == 0
    assert all("did not load" in c.message for c in record.cases)


def test_sandbox_hides_the_course_and_kills_leftovers(attacked):
    records, sandboxed, _ = attacked
    assert sandboxed
    assert not SENTINEL.exists() and not (Path(sys.prefix) / "PWNED-by-a-student").exists()
    found = functions(records["write-files-and-background"])
    assert found["epoch_batches"].score == 0          # no process, no file: it stopped at the first
    assert "PermissionError" in records["write-files-and-background"].cases_of("epoch_batches")[0].message
    blocked = ("PermissionError", "FileNotFoundError")
    steal = records["steal-reference"].cases_of("gabor_gradient")[0]
    assert any(b in steal.message for b in blocked), steal.message
    read = records["read-hidden-tests"].cases_of("gradient_descent")[0]
    assert any(b in read.message for b in blocked), read.message
    leftovers = subprocess.run(["pgrep", "-f", "sleep 1234"], capture_output=True, text=True).stdout
    assert leftovers == ""


def test_without_a_sandbox_it_is_still_a_separate_process(tmp_path, capfd):
    make_submission(tmp_path / "a", {"sgd": ATTACKS["hang"][1]})
    records, tier = grade([tmp_path], tier=tiers.Tier("off"), limits=Limits(call_seconds=1.0))
    assert not tier.sandboxed and "NOT in a sandbox" in capfd.readouterr().err
    found = functions(records[0])
    assert found["sgd"].status == "timeout"
    assert records[0].score == records[0].max_score - POINTS["sgd"]
