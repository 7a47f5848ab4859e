"""Isolation, attacked as a motivated student would, in every sandbox tier that holds here (bwrap
and restricted; CI runs as root, so both): no submission can reach another's grade, the grader,
the course or the reference. After every attack, an honest submission on the same worker
(``--jobs 1``, graded right after it) still gets full marks."""
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cycle.fabricate import make_submission
from autograder.engine.grading import grade
from autograder.engine.results import to_json
from autograder.engine.sandbox import tiers
from autograder.engine.sandbox.supervisor import Limits

from .helpers import COURSE, POINTS, by_student

MARKER = "INSTRUCTOR-ONLY-7f3a"          # in a file only the instructor has
SOURCE_LINE = "### BEGIN SOLUTION"        # in every source notebook, in no release
CANARY = "FITTING_CANARY_93e1"           # in the grader's environment

FIND_SOCKETS = """
    import os, stat
    sockets = []
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                sockets.append(fd)
        except OSError:
            pass
"""

ATTACKS = {
    # -- the worker ---------------------------------------------------------------------------
    "takeover": ("gabor_model", """
def gabor_model(phi, x):
    import ctypes, os, signal
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getppid()
    pidfd = libc.syscall(434, parent, 0)                          # pidfd_open
    for fd in range(3, 16):
        stolen = libc.syscall(438, pidfd, fd, 0) if pidfd >= 0 else -1   # pidfd_getfd
        if stolen >= 0:
            os.write(stolen, b'{"event": "exited", "code": 0}\\n')
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(parent, sig)
        except OSError:
            pass
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    raise RuntimeError("took nothing over")
"""),
    "ptrace-parent": ("linear_loss", """
def linear_loss(phi, x, y):
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(16, os.getppid(), 0, 0) == 0:                # PTRACE_ATTACH
        return 0.0
    memory = open(f"/proc/{os.getppid()}/mem", "rb")
    return 0.0
"""),
    # -- persistence into the next submission ----------------------------------------------
    "drop-files": ("sgd_momentum", """
def sgd_momentum(grad, phi0, x, y, batches, learning_rate, beta):
    import inspect, os
    source = inspect.getsource(grad)                              # the reference gradient (stage 1)
    for folder in ("/tmp", "/var/tmp", "/dev/shm", ".", os.path.expanduser("~"), os.path.dirname(__file__ if "__file__" in globals() else "/")):
        try:
            with open(os.path.join(folder, "stolen_gradient.py"), "w") as f:
                f.write(source)
        except OSError:
            pass
    os.chmod(".", 0)
    raise RuntimeError("dropped")
"""),
    "pick-up-files": ("gabor_gradient", """
def gabor_gradient(phi, x, y):
    import os
    for folder in ("/tmp", "/var/tmp", "/dev/shm", ".", os.path.expanduser("~")):
        try:
            namespace = {"np": np, "gabor_model": gabor_model}
            exec(open(os.path.join(folder, "stolen_gradient.py")).read(), namespace)
            return namespace["gabor_gradient"](phi, x, y)
        except OSError:
            pass
    raise RuntimeError("found nothing")
"""),
    # -- the protocol ------------------------------------------------------------------------
    "forged-loaded": ("parabola_slope", f"""
class Forge:
{FIND_SOCKETS}
    for fd in sockets:
        os.write(fd, b'{{"event": "loaded", "problems": 5}}\\n')
def parabola_slope(x):
    return 2 * x - 4
"""),
    "garbage": ("linear_gradient", f"""
def linear_gradient(phi, x, y):
{FIND_SOCKETS}
    for fd in sockets:
        os.write(fd, b"garbage\\n[1, 2]\\n\\xff\\xfe\\n" + b'{{"event": "outcome", "call": 0, "kind": "value"}}\\n')
    return 2 * np.array([np.sum(phi[0] + phi[1] * x - y), np.sum(x * (phi[0] + phi[1] * x - y))])
"""),
    "huge-line": ("gabor_loss", f"""
def gabor_loss(phi, x, y):
{FIND_SOCKETS}
    for fd in sockets:
        os.write(fd, b"x" * (70 << 20))
    return 0.0
"""),
    "late-thread": ("numerical_gradient", f"""
import threading
def _late():
    import time
    time.sleep(0.5)
{FIND_SOCKETS.replace("    ", "    ")}
    for fd in sockets:
        os.write(fd, b'{{"event": "done"}}\\n')
try:
    threading.Thread(target=_late, daemon=True).start()
except RuntimeError:
    pass
def numerical_gradient(loss, phi, h=1e-5):
    return np.zeros(2)
"""),
    "fake-results": ("gradient_descent", f"""
def gradient_descent(grad, phi0, x, y, learning_rate, n_steps):
{FIND_SOCKETS}
    line = b'{{"event": "outcome", "call": 99, "kind": "value", "output": {{"$array": [0.0], "shape": []}}}}\\n'
    for fd in sockets:
        os.write(fd, line + b'{{"event": "done"}}\\n')
    return np.zeros((n_steps + 1, 2))
"""),
    # -- limits across processes ----------------------------------------------------------------
    "fork-bomb": ("epoch_batches", """
def epoch_batches(n, batch_size, rng):
    import os, subprocess
    children = 0
    for _ in range(100):
        try:
            if os.fork() == 0:
                while True:
                    pass
            children += 1
        except OSError:
            break
    try:
        subprocess.Popen(["sleep", "1234"], start_new_session=True)
        children += 1
    except OSError:
        pass
    return [np.arange(children)]               # says how many processes it started
"""),
    "memory-across-processes": ("batch_schedule", """
def batch_schedule(n, batch_size, n_epochs, rng):
    import os, time
    for _ in range(5):
        try:
            if os.fork() == 0:
                hoard = bytearray(200 << 20)
                time.sleep(30)
        except OSError:
            pass
    hoard = [bytearray(100 << 20) for _ in range(20)]
    return []
"""),
    "fill-scratch": ("step_decay", """
def step_decay(lr0, factor, every):
    block = b"x" * (1 << 20)
    for folder in ("/tmp", ".", "/var/tmp", "/dev/shm"):
        try:
            with open(folder + "/filler", "wb") as f:
                for _ in range(640):
                    f.write(block)
        except OSError:
            pass
    return lambda t: lr0 * factor ** (t // every)  * 0
"""),
    # -- the course, the reference, the grader --------------------------------------------------
    "read-the-course": ("line_search", f"""
def line_search(f, max_dist=1.0, tol=1e-4, max_iter=10):
    import os
    found = []
    for path in ({str(COURSE.source / COURSE.notebooks[1])!r}, {str(COURSE.root / "nbgrader_config.py")!r},
                 {str(Path(__file__).resolve().parent.parent / "autograder" / "fitting_models" / "cases.py")!r},
                 "/proc/%d/environ" % os.getppid(), "/proc/%d/cmdline" % os.getppid()):
        try:
            found.append(open(path, errors="replace").read()[:3000])
        except OSError as error:
            found.append(type(error).__name__)
    found.append(repr(dict(os.environ)))
    raise ValueError(" | ".join(found))
"""),
    "write-the-course": ("sgd", f"""
def sgd(grad, phi0, x, y, batches, learning_rate):
    for path in ({str(COURSE.root / "PWNED-by-a-student")!r},
                 {str(Path(__file__).resolve().parent.parent / "autograder" / "engine" / "scoring.py")!r},
                 {str(Path(sys.prefix) / "PWNED-by-a-student")!r}):
        try:
            with open(path, "a") as f:
                f.write("\\n# pwned\\n")
        except OSError:
            pass
    raise ValueError("wrote nothing")
"""),
    "network": ("sgd_nesterov", """
def sgd_nesterov(grad, phi0, x, y, batches, learning_rate, beta):
    import socket
    socket.create_connection(("127.0.0.1", 22), timeout=1)
    return phi0
"""),
    # -- text that breaks exporters ---------------------------------------------------------
    "surrogates": ("adam", """
def adam(grad, phi0, x, y, batches, learning_rate, beta=0.9, gamma=0.99, eps=1e-8):
    raise ValueError("\\ud800 lone surrogate, \\x1b[31mterminal escape\\x1b[0m, \\x00 nul, " + "long " * 5000)
"""),
}


def available(tier):
    try:
        return tiers.candidates(tier)[0]
    except tiers.Unavailable:
        return None


TIERS = [pytest.param(name, marks=pytest.mark.skipif(available(name) is None, reason=f"no {name} tier here"))
         for name in ("bwrap", "restricted")]


@pytest.fixture(scope="module", params=TIERS)
def attacked(request, tmp_path_factory):
    tier = request.param
    root = tmp_path_factory.mktemp(f"attacks-{tier}")
    for i, (name, (function, code)) in enumerate(ATTACKS.items()):
        make_submission(root / f"{i:02d}-{name}", {function: code})
        make_submission(root / f"{i:02d}-{name}-then-honest")
    os.environ[CANARY] = "secret"
    try:
        records, used = grade([root], jobs=1, tier=tier, limits=Limits(call_seconds=1.0))
    finally:
        os.environ.pop(CANARY)
    assert used.name == tier
    yield tier, by_student(records)
    for path in (COURSE.root / "PWNED-by-a-student", Path(sys.prefix) / "PWNED-by-a-student"):
        path.unlink(missing_ok=True)


def record_of(records, name):
    index = list(ATTACKS).index(name)
    return records[f"{index:02d}-{name}"], records[f"{index:02d}-{name}-then-honest"]


@pytest.mark.parametrize("name", list(ATTACKS))
def test_an_attack_gains_nothing_and_the_next_submission_is_untouched(attacked, name):
    tier, records = attacked
    function = ATTACKS[name][0]
    attack, honest = record_of(records, name)
    assert honest.score == honest.max_score, (tier, name, [c.message for c in honest.cases if not c.passed][:3])
    scores = {f.function: f.score for f in attack.functions}
    assert scores[function] == 0, (tier, name, attack.cases_of(function)[0].message)
    if name not in ("forged-loaded",):              # a forged "loaded" costs the whole submission (its own)
        assert all(s == POINTS[f] for f, s in scores.items() if f != function), (tier, name)


def test_nothing_secret_reaches_the_records(attacked):
    tier, records = attacked
    text = json.dumps([to_json(r) for r in records.values()])
    assert SOURCE_LINE not in text and "c.CourseDirectory" not in text and "def _parabola_slope" not in text
    assert CANARY not in text
    reading = record_of(records, "read-the-course")[0].cases_of("line_search")[0].message
    assert "PermissionError" in reading or "FileNotFoundError" in reading, reading


def test_the_course_the_grader_and_python_are_not_written(attacked):
    tier, records = attacked
    assert not (COURSE.root / "PWNED-by-a-student").exists()
    assert not (Path(sys.prefix) / "PWNED-by-a-student").exists()
    scoring = Path(__file__).resolve().parent.parent / "autograder" / "engine" / "scoring.py"
    assert "# pwned" not in scoring.read_text()


def test_no_process_outlives_its_submission(attacked):
    leftovers = subprocess.run(["pgrep", "-f", "sleep 1234"], capture_output=True, text=True).stdout
    assert leftovers == ""


def test_what_happened_is_said(attacked):
    tier, records = attacked
    fork = record_of(records, "fork-bomb")[0].cases_of("epoch_batches")[0]
    assert "returned 1 batches" in fork.message and "(sizes [0])" in fork.message, fork.message    # none started
    loaded = record_of(records, "forged-loaded")[0]
    assert loaded.score == 0 and all("did not load" in c.message for c in loaded.cases)
    surrogates = record_of(records, "surrogates")[0].cases_of("adam")[0]
    assert "lone surrogate" in surrogates.message and "\ud800" not in surrogates.message
    assert "\x1b" not in surrogates.message and "\x00" not in surrogates.message and len(surrogates.message) < 3000


def test_exporters_survive_any_text(attacked, tmp_path):
    tier, records = attacked
    from autograder.exporters.feedback import write_reports
    from autograder.exporters.gradescope import write_all
    pages = write_reports(list(records.values()), tmp_path / "pages")
    assert len(pages) == len(records)
    write_all(list(records.values()), tmp_path / "gradescope")
    assert "\ud800" not in (tmp_path / "gradescope" / record_of(records, "surrogates")[0].student / "results.json").read_text()


# -- files are data ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def files_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("files")
    secret = root.parent / "instructor-only.txt"
    secret.write_text(MARKER)
    submitted = root / "submitted"
    make_submission(submitted / "a-folder-link-target-honest" / COURSE.assignment)
    (submitted / "b-folder-is-a-link").mkdir(parents=True)
    (submitted / "b-folder-is-a-link" / COURSE.assignment).symlink_to(COURSE.solutions)
    make_submission(submitted / "c-notebook-links" / COURSE.assignment, {"parabola_slope": None})
    folder = submitted / "c-notebook-links" / COURSE.assignment
    (folder / COURSE.notebooks[0]).unlink()
    (folder / COURSE.notebooks[0]).symlink_to(COURSE.source / COURSE.notebooks[0])
    (folder / COURSE.notebooks[1]).unlink()
    (folder / COURSE.notebooks[1]).symlink_to(submitted / "a-folder-link-target-honest" / COURSE.assignment
                                              / COURSE.notebooks[1])
    (folder / COURSE.notebooks[2]).unlink()
    (folder / COURSE.notebooks[2]).symlink_to(secret)
    make_submission(submitted / "d-fifo-and-folder" / COURSE.assignment)
    folder = submitted / "d-fifo-and-folder" / COURSE.assignment
    (folder / COURSE.notebooks[3]).unlink()
    os.mkfifo(folder / COURSE.notebooks[3])
    (folder / COURSE.notebooks[4]).unlink()
    (folder / COURSE.notebooks[4]).mkdir()
    records, _ = grade([submitted], jobs=1, limits=Limits(call_seconds=1.0))
    return by_student(records)


def notebook_points(notebook):
    return sum(g.points for g in COURSE.graded if g.notebook == notebook)


def test_links_are_never_followed(files_class):
    assert "b-folder-is-a-link" not in files_class              # a linked folder is not a submission
    record = files_class["c-notebook-links"]
    kinds = {p.notebook: p.kind for p in record.problems}
    assert kinds == {nb: "not_a_file" for nb in COURSE.notebooks[:3]}
    assert float(record.score) == sum(notebook_points(nb) for nb in COURSE.notebooks[3:])
    assert MARKER not in json.dumps(to_json(record))
    assert files_class["a-folder-link-target-honest"].score == files_class["a-folder-link-target-honest"].max_score


def test_fifos_and_folders_are_problems_not_hangs(files_class):
    record = files_class["d-fifo-and-folder"]
    assert {p.notebook: p.kind for p in record.problems} == {COURSE.notebooks[3]: "not_a_file",
                                                            COURSE.notebooks[4]: "not_a_file"}
    assert float(record.score) == sum(notebook_points(nb) for nb in COURSE.notebooks[:3])


def test_a_tier_that_does_not_hold_is_refused(monkeypatch):
    """The probe of a new worker: a lock-down that lets the child read the course is not accepted."""
    from autograder.engine.pool import WorkerPool
    from autograder.engine.sandbox import harden
    monkeypatch.setattr(tiers.Tier, "policy", lambda self, helper, slot, cpu: {"seccomp": False, "landlock": False,
                                                                             "cpu_seconds": cpu})
    with pytest.raises(tiers.Unavailable, match="does not hold here: a locked child could read"):
        WorkerPool(1, "auto")
    assert harden.landlock_abi() >= 0


def test_without_any_tier_grading_is_refused_unless_off_is_asked_for(monkeypatch, tmp_path):
    make_submission(tmp_path / "s")
    monkeypatch.setattr(tiers, "bwrap_binary", lambda: None)
    monkeypatch.setattr(tiers, "_restricted", lambda: None)
    with pytest.raises(tiers.Unavailable, match="--sandbox off"):
        grade([tmp_path], tier="auto")
    records, used = grade([tmp_path], tier="off")
    assert used.name == "off" and records[0].score == records[0].max_score and records[0].sandbox == "off"
