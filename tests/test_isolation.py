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
    "sysv-ipc": ("gabor_loss", """
def gabor_loss(phi, x, y):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    got = [libc.shmget(0x5EED0101, 1 << 20, 0o1666), libc.msgget(0x5EED0102, 0o1666),
           libc.semget(0x5EED0103, 1, 0o1666)]
    if max(got) >= 0:                                  # shared state outside the child: pay it
        return np.sum((gabor_model(phi, x) - y) ** 2)
    raise RuntimeError(f"no System V IPC ({got})")
"""),
    "worker-limits": ("linear_loss", """
def linear_loss(phi, x, y):
    import ctypes, os, resource
    reached = []
    for attempt in (lambda: resource.prlimit(os.getppid(), resource.RLIMIT_CPU, (10, 10)),
                    lambda: os.setpriority(os.PRIO_PROCESS, os.getppid(), 19),
                    lambda: os.setpriority(os.PRIO_USER, 0, 19),
                    lambda: os.sched_setaffinity(os.getppid(), {0}),
                    lambda: os.sched_setscheduler(os.getppid(), os.SCHED_IDLE, os.sched_param(0))):
        try:
            attempt()
            reached.append(True)
        except OSError:
            pass
    if reached:                                        # the worker's limits lowered: pay it
        return np.sum((phi[0] + phi[1] * x - y) ** 2)
    raise RuntimeError("the worker is out of reach")
"""),
    "trickle": ("parabola_slope", f"""
def parabola_slope(x):
    import signal, time
{FIND_SOCKETS}
    signal.signal(signal.SIGALRM, signal.SIG_IGN)      # the call's own timer
    for _ in range(80):                                # 8 s of a byte now and then: never a message
        for fd in sockets:
            os.write(fd, b" ")
        time.sleep(0.1)
    return 2 * x - 4
"""),
    "short-schedule": ("step_decay", """
import sys
class _Short:
    _proto = sys.modules["protocol"]
    def encode(message, _encode=_proto.encode_message):
        if message.get("event") == "outcome" and "$probe" in message.get("output", {}):
            message = dict(message, output={"$probe": []})
        return _encode(message)
    _proto.encode_message = encode
def step_decay(lr0, factor, every):
    return lambda t: 0.0
"""),
    "odd-load-report": ("numerical_gradient", """
import sys
class _Odd:
    _proto = sys.modules["protocol"]
    def encode(message, _encode=_proto.encode_message):
        if message.get("event") == "loaded":
            message = dict(message, errors=[5, "x", {"notebook": 3}] + [
                {"kind": "missing", "notebook": "2_gradient_descent.ipynb", "message": "forged " * 300}] * 1000,
                broken={"numerical_gradient": [1], "no_such_function": "x"})
        return _encode(message)
    _proto.encode_message = encode
"""),
    "huge-batch": ("epoch_batches", """
def epoch_batches(n, batch_size, rng):
    return [np.zeros(90000, dtype=int)] + [np.arange(batch_size)] * (n // batch_size - 1)
"""),
    "echo-the-reference": ("sgd_nesterov", """
import sys
class _Echo:
    _worker, _proto = sys.modules["__main__"], sys.modules["protocol"]
    _worker._SOURCES = []
    def receive(self, _receive=_worker.Channel.receive, _worker=_worker):
        message = _receive(self)
        if isinstance(message, dict) and isinstance(message.get("inputs"), str):
            _worker._SOURCES.append(message["inputs"])
        return message
    def encode(message, _encode=_proto.encode_message, _worker=_worker):
        if message.get("event") == "outcome" and _worker._SOURCES:
            message = {"event": "outcome", "call": message["call"], "kind": "exception",
                       "message": _worker._SOURCES[-1][-1990:]}
        return _encode(message)
    _worker.Channel.receive = receive
    _proto.encode_message = encode
"""),
    "forged-numbers": ("sgd", """
import sys
class _Forge:
    _proto = sys.modules["protocol"]
    def encode(message, _encode=_proto.encode_message, _n=[0]):
        if message.get("event") == "outcome" and message.get("kind") == "value":
            _n[0] += 1
            message = dict(message, output=[{"$array": [10 ** 400], "shape": [1], "dtype": "float64"},
                                            {"$array": [], "shape": [0, 10 ** 30]}][_n[0] % 2])
            if _n[0] % 3 == 0:
                message["changed"] = [["phi0"]]
        return _encode(message)
    _proto.encode_message = encode
"""),
    "slow-answers": ("linear_gradient", """
def linear_gradient(phi, x, y):
    import signal, time
    signal.signal(signal.SIGALRM, signal.SIG_IGN)      # defeat the call's own timer, answer late
    time.sleep(1.6)
    r = phi[0] + phi[1] * x - y
    return 2 * np.array([np.sum(r), np.sum(r * x)])
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
    if name not in COSTS_ALL:
        assert all(s == POINTS[f] for f, s in scores.items() if f != function), (tier, name)


COSTS_ALL = ("forged-loaded", "echo-the-reference", "forged-numbers")    # they garble their own messages


def test_forged_outputs_are_the_students_mistakes_not_the_graders(attacked):
    """A schedule of the wrong length, a load report of odd items: wrong answers, not grader
    failures that would ask for manual grading; a report of any size costs a few lines."""
    tier, records = attacked
    from autograder.engine.pool import MAX_PROBLEMS
    for name in ("short-schedule", "odd-load-report", "forged-numbers"):
        record = record_of(records, name)[0]
        assert not record.grader_failed, (tier, name, [c.message for c in record.cases if c.grader_error])
    odd = record_of(records, "odd-load-report")[0]
    assert len(odd.problems) <= MAX_PROBLEMS + 1 and sum(len(p.message) for p in odd.problems) < 50_000
    assert "numerical_gradient" in odd.cases_of("numerical_gradient")[0].message
    huge = record_of(records, "huge-batch")[0].cases_of("epoch_batches")[0]
    assert "90000 indices" in huge.message and len(huge.message) < 2000 and len(huge.got) < 100, huge.message[:300]


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


def test_odd_folders_do_not_stop_the_class(tmp_path, capsys):
    """A folder 1100 levels deep, and student folders whose names are not text (invalid UTF-8, a
    terminal escape): the others are graded; the deep one too; the odd names are skipped, said."""
    from autograder.engine.grading import grade_batch
    submitted = tmp_path / "submitted"
    make_submission(submitted / "deep")
    deep = submitted / "deep"
    for _ in range(1100):
        deep = deep / "d"
        deep.mkdir()
    make_submission(submitted / "honest")
    for odd in ("bad\udcff", "red\x1b[31m"):                   # \udcff: the byte 0xff, as Python names it
        make_submission(submitted / odd)
    try:
        summaries, graded, _ = grade_batch([submitted], tmp_path / "results.json", jobs=1)
    finally:
        while deep != submitted / "deep":                      # shutil.rmtree would recurse too deep
            deep.rmdir()
            deep = deep.parent
    assert sorted(s["student"] for s in summaries) == ["deep", "honest"]
    assert all(s["score"] == s["max_score"] for s in summaries)
    warned = capsys.readouterr().err
    assert warned.count("skipped a folder whose name is not plain text") == 2


def test_messages_that_would_cost_the_grader_memory_are_refused():
    """Parsing a message must cost the grader little: a few MB at most, and few JSON objects."""
    from autograder.engine import protocol
    small_objects = b'{"event":"outcome","call":0,"kind":"value","output":{"$seq":[' + \
        b",".join([b'{"$none":true}'] * 100_000) + b']}}'
    assert len(small_objects) < protocol.MAX_MESSAGE
    with pytest.raises(protocol.ProtocolError, match="objects"):
        protocol.parse_message(small_objects)
    with pytest.raises(protocol.ProtocolError, match="MB"):
        protocol.parse_message(b'{"event":"done","x":"' + b"x" * (5 << 20) + b'"}')
    many = {"$seq": [{"$array": [0.0] * 1000, "shape": [1000]}] * 200}         # 200,000 numbers
    with pytest.raises(protocol.BadOutput, match="too many"):
        protocol.decode_output(many)
    encoded = protocol.encode_output([0.0] * 50_000)                 # an honest, odd, huge answer
    assert "$unsupported" in encoded and len(protocol.encode_message({"output": encoded})) < 1000


def test_a_child_that_cannot_lock_itself_down_is_the_workers_fault(monkeypatch):
    """Before its "locked" message, a child's failure is not the student's: a new worker, once;
    twice, and the submission is a grader error (WorkerDied), never "your definitions did not load"."""
    from autograder.engine.sandbox import supervisor
    restarts = []
    fake = supervisor.Supervisor.__new__(supervisor.Supervisor)
    fake.restart = lambda: restarts.append(1)
    fake._child = lambda *args: supervisor.Child(stop=supervisor.Stop("crashed", "exit code 0"))
    plan = [([{"id": 0, "function": "parabola_slope", "args": []}], None, [])]
    with pytest.raises(supervisor.WorkerDied, match="lock itself down"):
        fake.run([], plan)
    assert len(restarts) == 1
    answers = iter([supervisor.Child(stop=supervisor.Stop("crashed", "exit code 0")),
                    supervisor.Child(locked=True, loaded={"defined": []}, outcomes={0: {"kind": "value"}})])
    fake._child = lambda *args: next(answers)
    assert fake.run([], plan)[1] == {0: {"kind": "value"}}


def test_notebooks_that_are_not_text_cost_the_grader_little(tmp_path):
    """Five notebooks of 20 MB of bytes that are not UTF-8: the grader's memory stays small (the
    files reach the sandbox as bytes, 40 MB at most in all) and the class goes on."""
    folder = tmp_path / "s"
    make_submission(folder)
    for notebook in COURSE.notebooks:
        (folder / notebook).write_bytes(b"\xff" * (20 << 20))
    script = ("import json, resource, sys\n"
              "from autograder.engine.grading import grade\n"
              "records, _ = grade([sys.argv[1]], jobs=1)\n"
              "print(json.dumps({'mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss >> 10,"
              " 'problems': [p.message for p in records[0].problems], 'score': float(records[0].score)}))")
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=120,
                          cwd=COURSE.root)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["score"] == 0 and found["mb"] < 400, found["mb"]
    assert sum("too large" in p for p in found["problems"]) == 3, found["problems"]
