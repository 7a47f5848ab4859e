"""A JupyterHub-style course on one machine, with REAL unix users (created here, removed after):
an instructor and two students, nbgrader's exchange shared between them, ``check_owner`` on.

Set-up as an administrator does it: the exchange root owned by root, mode 1777 (world-writable,
sticky: nbgrader itself only wants 777 and leaves the sticky bit alone); the course directory the
instructor's own, mode 700; students' homes 700. The course's configuration is the repository's
``nbgrader_config.py`` with this exchange.

What is proved, each step run as its own user (``runuser -u USER``):
- the instructor generates, imports the class, adds the due date and releases; each student
  fetches, fills in and submits as themself;
- Ben cannot list ``inbound/``, read the course (solutions, gradebook), change the release, rename
  the course's exchange folder (the sticky bit), or overwrite Ada's submitted notebook in place
  even when he learns her submission folder's name;
- what Ben CAN do: submit under Ada's name (``--student``; nbgrader's own ``collect`` only warns,
  "cheating attempt?", and the newest submission wins, so Ada's work is replaced by his stubs);
  replace a file in Ada's submission folder once he knows its name (nbgrader makes it 0777), here
  her ``conftest.py``, which would run as the instructor under pytest; forge a submission of his
  own whose ``1_gradients.ipynb`` is a symbolic link to the instructor's source notebook
  (nbgrader's ``collect`` copies it, solutions and hidden tests included, into ``submitted/``);
- the course's collector (``autograder.cycle.exchange.OwnerCheckedCollect``) refuses all three,
  saying so; the instructor (not root) grades with ``--sandbox auto`` (bubblewrap, unprivileged
  user namespaces) and ``--sandbox restricted`` (Landlock and seccomp; per-child uids need root):
  Ada 40/40, Ben without the notebook he linked and the function he left a stub. Root grades too
  (``--sandbox restricted``: a uid per child), with its results outside the instructor's course.

The pyenv interpreter lives under /root (mode 700): while the module runs, ``o+x`` (traverse, not
list) is added to the path components of the interpreter, the virtualenv and the repository that
lack it, and their modes are restored afterwards (also at exit). Skipped unless root with useradd
and runuser.
"""
import atexit
import json
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from autograder.cycle.fabricate import make_submission

from .helpers import COURSE, POINTS

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0 or not (shutil.which("useradd") and shutil.which("runuser")),
                       reason="needs root, useradd and runuser (real unix users)"),
]

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "fitting_models"
COURSE_ID = "fitting-models"
TAG = f"fm{os.getpid() % 100000}"
INSTRUCTOR, ADA, BEN = f"{TAG}instr", f"{TAG}ada", f"{TAG}ben"
VENV_BIN = os.path.dirname(sys.executable)
OWNER_CHECKED = "autograder.cycle.exchange.OwnerCheckedCollect"
NBGRADER_COLLECT = "nbgrader.exchange.default.collect.ExchangeCollect"
GRADIENTS = [name for name, p in POINTS.items() if COURSE.graded_by_name[name].notebook == "1_gradients.ipynb"]
MAX = COURSE.max_score
EXPECTED = {ADA: MAX, BEN: MAX - POINTS["adam"] - sum(POINTS[f] for f in GRADIENTS)}
TIMES = {}


# ------------------------------------------------------------------ machinery
def _traversable(paths):
    """Add o+x to every directory on the way to ``paths`` that lacks it; returns what to restore."""
    changed = {}
    for path in paths:
        for folder in [*reversed(Path(path).parents), Path(path)]:
            mode = folder.stat().st_mode
            if stat.S_ISDIR(mode) and not mode & stat.S_IXOTH and str(folder) not in changed:
                changed[str(folder)] = stat.S_IMODE(mode)
                os.chmod(folder, stat.S_IMODE(mode) | stat.S_IXOTH)
    return changed


def _restore(changed):
    for folder, mode in changed.items():
        os.chmod(folder, mode)
    changed.clear()


class Hub:
    def __init__(self, root):
        self.root = root
        self.exchange = root / "exchange"
        self.course = root / "course"
        self.homes = {u: root / "home" / u for u in (INSTRUCTOR, ADA, BEN)}

    def run(self, user, *argv, cwd=None, check=True, timeout=180):
        """``argv`` as ``user`` (runuser), a clean environment, the virtualenv first on PATH."""
        env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "HOME": str(self.homes[user]), "USER": user, "LOGNAME": user,
               "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "TMPDIR": "/tmp"}
        cmd = ["runuser", "-u", user, "--", "env", "-i", *(f"{k}={v}" for k, v in env.items()), *map(str, argv)]
        done = subprocess.run(cmd, cwd=cwd or self.homes[user], capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise AssertionError(f"as {user}: {' '.join(map(str, argv))} exited {done.returncode}:\n"
                                 f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
        return done

    def nbgrader(self, user, *commands, cwd=None):
        """nbgrader commands as ``user`` in one process (``autograder.cycle.commands``' batch driver):
        [(args, cwd)]; returns (exit codes, output)."""
        work = self.homes[user] / ".batch"
        work.mkdir(exist_ok=True)
        spec, codes = work / "commands.json", work / "codes.json"
        spec.write_text(json.dumps({"keep_going": True, "commands": [
            {"args": list(map(str, args)), "cwd": str(where or cwd or self.homes[user])} for args, where in commands]}))
        codes.unlink(missing_ok=True)
        _chown(work, user)
        done = self.run(user, sys.executable, "-m", "autograder.cycle.commands", "--batch", spec, codes,
                        cwd=cwd, check=False)
        return json.loads(codes.read_text()) if codes.exists() else [], done.stdout + done.stderr

    def ensure_users(self):
        self.created = []
        for user in (INSTRUCTOR, ADA, BEN):
            done = subprocess.run(["useradd", "--no-create-home", "--home-dir", str(self.homes[user]),
                                   "--shell", "/usr/sbin/nologin", "--user-group", user], capture_output=True, text=True)
            assert done.returncode == 0, f"useradd {user}: {done.stderr}"
            self.created.append(user)
            self.homes[user].mkdir(parents=True)
            _chown(self.homes[user], user)
            os.chmod(self.homes[user], 0o700)

    def remove_users(self):
        """Only the users this module created (their processes have all ended: every command waited)."""
        for user in getattr(self, "created", ()):
            subprocess.run(["userdel", user], capture_output=True)
            if subprocess.run(["getent", "group", user], capture_output=True).returncode == 0:
                subprocess.run(["groupdel", user], capture_output=True)


def _chown(path, user):
    entry = pwd.getpwnam(user)
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


# what Ben tries; prints {attempt: outcome} as JSON
ATTEMPTS = r'''
import json, os, sys
exchange, course, ada_home, ada_submission = sys.argv[1:5]
inbound = os.path.join(exchange, "fitting-models", "inbound")
outbound = os.path.join(exchange, "fitting-models", "outbound", "fitting_models")
found = {}
def attempt(name, action):
    try:
        result = action()
        found[name] = "done" if result is None else f"done: {result}"
    except OSError as error:
        found[name] = type(error).__name__
attempt("list inbound", lambda: len(os.listdir(inbound)))
attempt("read the course source", lambda: len(open(os.path.join(course, "source", "fitting_models", "1_gradients.ipynb")).read()))
attempt("read the gradebook", lambda: len(open(os.path.join(course, "gradebook.db"), "rb").read()))
attempt("change the release", lambda: open(os.path.join(outbound, "1_gradients.ipynb"), "a").write(" "))
attempt("add to the release", lambda: open(os.path.join(outbound, "extra.ipynb"), "w").write("{}"))
attempt("rename the course folder", lambda: os.rename(os.path.join(exchange, "fitting-models"), os.path.join(exchange, "x")))
attempt("read Ada's home", lambda: os.listdir(ada_home))
attempt("overwrite Ada's submitted notebook", lambda: open(os.path.join(ada_submission, "1_gradients.ipynb"), "w").write("{}"))
def replace_conftest():
    path = os.path.join(ada_submission, "conftest.py")
    os.unlink(path)
    with open(path, "w") as f:
        f.write("import os\nos.system('touch /tmp/pwned-by-ben')\n")
attempt("replace Ada's conftest.py", replace_conftest)
print(json.dumps(found))
'''


def _stamp(when):
    return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")


# ------------------------------------------------------------------ the course, played
@pytest.fixture(scope="module")
def hub():
    changed = _traversable([os.path.realpath(sys.executable), sys.base_prefix, sys.prefix, str(REPO)])
    atexit.register(_restore, changed)
    root = Path(tempfile.mkdtemp(prefix="fitting-multiuser-", dir="/tmp"))
    os.chmod(root, 0o755)                  # (pytest's own tmp_path is 0700: not for other users)
    hub = Hub(root)
    started = time.perf_counter()
    try:
        hub.ensure_users()
        play(hub)
        TIMES["course played"] = time.perf_counter() - started
        yield hub
    finally:
        _restore(changed)
        hub.remove_users()
        shutil.rmtree(root, ignore_errors=True)
        print("\n" + "\n".join(f"{k}: {v:.1f} s" for k, v in TIMES.items()))


def play(hub):
    # the administrator: the exchange, world-writable with the sticky bit
    hub.exchange.mkdir()
    os.chmod(hub.exchange, 0o1777)
    # the instructor's course: the repository's configuration, this exchange
    course = hub.course
    course.mkdir()
    shutil.copytree(REPO / "source", course / "source", ignore=shutil.ignore_patterns("__pycache__", ".*"))
    config = (REPO / "nbgrader_config.py").read_text()
    config += f"\nc.Exchange.root = {str(hub.exchange)!r}\n"
    if OWNER_CHECKED not in config:          # until the repository's config selects it (see the test below)
        config += f"c.ExchangeFactory.collect = {OWNER_CHECKED!r}\n"
    (course / "nbgrader_config.py").write_text(config)
    (course / "students.csv").write_text("id,last_name,first_name,email\n"
                                         f"{ADA},Lovelace,Ada,ada@example.edu\n{BEN},Okafor,Ben,ben@example.edu\n")
    _chown(course, INSTRUCTOR)
    os.chmod(course, 0o700)
    due = (datetime.now(timezone.utc) + timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S UTC")
    t = time.perf_counter()
    codes, hub.setup_log = hub.nbgrader(INSTRUCTOR, (["generate_assignment", ASSIGNMENT, "--force"], None),
                                        (["db", "student", "import", "students.csv"], None),
                                        (["db", "assignment", "add", ASSIGNMENT, f"--duedate={due}"], None),
                                        (["release_assignment", ASSIGNMENT, "--force"], None), cwd=course)
    assert codes == [0, 0, 0, 0], hub.setup_log[-4000:]
    TIMES["instructor: generate, import, due date, release"] = time.perf_counter() - t

    # students: their own config (course id, exchange), fetch, fill in
    for student in (ADA, BEN):
        (hub.homes[student] / "nbgrader_config.py").write_text(
            f"c = get_config()\nc.CourseDirectory.course_id = {COURSE_ID!r}\nc.Exchange.root = {str(hub.exchange)!r}\n")
        _chown(hub.homes[student], student)
    t = time.perf_counter()
    procs = [subprocess.Popen(["runuser", "-u", s, "--", "env", "-i", f"PATH={VENV_BIN}:/usr/bin:/bin",
                               f"HOME={hub.homes[s]}", "LANG=C.UTF-8", sys.executable, "-m", "nbgrader",
                               "fetch_assignment", ASSIGNMENT], cwd=hub.homes[s], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for s in (ADA, BEN)]
    for proc in procs:
        out = proc.communicate(timeout=120)[0]
        assert proc.returncode == 0, out
    TIMES["students: fetch (in parallel)"] = time.perf_counter() - t
    hub.work = {}
    for student in (ADA, BEN):                     # Ada: every answer right; Ben: adam left a stub
        mine = hub.homes[student] / ASSIGNMENT
        work = make_submission(hub.root / "answers" / student, {"adam": None} if student == BEN else {}, release=mine)
        hub.work[student] = work
        hub.run(student, "cp", *(work / nb for nb in COURSE.notebooks), mine)

    # Ada submits; Ben submits, then under Ada's name (stubs, from the release)
    t = time.perf_counter()
    codes, log = hub.nbgrader(ADA, (["submit", ASSIGNMENT], None))
    assert codes == [0], log[-3000:]
    evil = hub.homes[BEN] / "evil"
    hub.run(BEN, "mkdir", "-p", evil / ASSIGNMENT)
    hub.run(BEN, "cp", hub.homes[BEN] / "nbgrader_config.py", evil)
    hub.run(BEN, "sh", "-c", f"cp '{hub.exchange}/{COURSE_ID}/outbound/{ASSIGNMENT}'/* '{evil / ASSIGNMENT}'")
    codes, hub.ben_log = hub.nbgrader(BEN, (["submit", ASSIGNMENT], None),
                                      (["submit", ASSIGNMENT, f"--student={ADA}"], evil))
    assert codes == [0, 0], hub.ben_log[-3000:]
    TIMES["students: submit (Ada; Ben, and Ben as Ada)"] = time.perf_counter() - t

    # Ben's attempts; he is told the name of Ada's submission folder (he cannot list inbound)
    inbound = hub.exchange / COURSE_ID / "inbound"
    hub.ada_submission = next(p for p in inbound.iterdir() if p.name.startswith(f"{ADA}+") and p.owner() == ADA)
    done = hub.run(BEN, sys.executable, "-c", ATTEMPTS, hub.exchange, course, hub.homes[ADA], hub.ada_submission)
    hub.attempts = json.loads(done.stdout)
    # ... and he forges a submission of his own, newer than his real one: the instructor's source as his notebook
    forged = inbound / f"{BEN}+{ASSIGNMENT}+{_stamp(datetime.now(timezone.utc) + timedelta(seconds=1))}+forged"
    script = (f"import os, shutil, sys\nd = sys.argv[1]\nos.mkdir(d)\n"
              f"for n in {[nb for nb in COURSE.notebooks if nb != '1_gradients.ipynb']!r}:\n"
              f"    shutil.copy(os.path.join({str(hub.homes[BEN] / ASSIGNMENT)!r}, n), d)\n"
              f"os.symlink({str(course / 'source' / ASSIGNMENT / '1_gradients.ipynb')!r}, os.path.join(d, '1_gradients.ipynb'))\n"
              f"open(os.path.join(d, 'timestamp.txt'), 'w').write(sys.argv[2])\n")
    hub.forged_stamp = forged.name.split("+")[2]
    hub.forge = hub.run(BEN, sys.executable, "-c", script, forged, forged.name.split("+")[2], check=False)

    # the instructor collects with nbgrader's own collector (for comparison) and with the course's
    t = time.perf_counter()
    codes, hub.collect_log = hub.nbgrader(
        INSTRUCTOR,
        (["collect", ASSIGNMENT, f"--ExchangeFactory.collect={NBGRADER_COLLECT}",
          "--CourseDirectory.submitted_directory=submitted-by-nbgrader"], None),
        (["collect", ASSIGNMENT], None), cwd=course)
    assert codes == [0, 0], hub.collect_log[-4000:]
    TIMES["instructor: collect (nbgrader's, the course's)"] = time.perf_counter() - t

    # the instructor grades, not root
    hub.graded = {}
    for tier in ("auto", "restricted"):
        t = time.perf_counter()
        json_path = course / "grading" / f"results-{tier}.json"
        done = hub.run(INSTRUCTOR, sys.executable, "-m", "autograder", "grade", "submitted", "--jobs", "2",
                       "--sandbox", tier, "--json", json_path, cwd=course, check=False)
        results = json.loads(json_path.read_text()) if json_path.exists() else {"submissions": []}
        hub.graded[tier] = (done, {r["student"]: r for r in results["submissions"]})
        TIMES[f"instructor: grade --sandbox {tier}"] = time.perf_counter() - t
    # root can grade too (the restricted tier then gives each child its own uid); results kept outside
    # the course, so that nothing root-owned lands in the instructor's folder
    t = time.perf_counter()
    before = sorted(str(p) for p in course.rglob("*"))
    json_path = hub.root / "root-results.json"
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(course / "submitted"), "--jobs", "2",
                           "--sandbox", "restricted", "--json", str(json_path)], cwd=course, capture_output=True,
                          text=True, timeout=300, env={k: v for k, v in os.environ.items() if k != "FITTING_COURSE_ROOT"})
    results = json.loads(json_path.read_text()) if json_path.exists() else {"submissions": []}
    hub.graded["root"] = (done, {r["student"]: r for r in results["submissions"]})
    hub.course_changed_by_root = sorted(set(str(p) for p in course.rglob("*")) - set(before))
    TIMES["root: grade --sandbox restricted"] = time.perf_counter() - t


# ------------------------------------------------------------------ the tests
def test_the_exchange_has_the_permissions_nbgrader_wants(hub):
    assert stat.S_IMODE(hub.exchange.stat().st_mode) == 0o1777            # kept: nbgrader only checks 777
    assert "Permissions for exchange directory" not in hub.setup_log
    course = hub.exchange / COURSE_ID
    assert course.owner() == INSTRUCTOR and stat.S_IMODE(course.stat().st_mode) == 0o755
    assert stat.S_IMODE((course / "outbound").stat().st_mode) == 0o755
    assert stat.S_IMODE((course / "inbound").stat().st_mode) == 0o2733   # write, never list
    submissions = {p.owner() for p in (course / "inbound").iterdir()}
    assert submissions == {ADA, BEN}


def test_students_fetched_and_submitted_as_themselves(hub):
    for student in (ADA, BEN):
        fetched = hub.homes[student] / ASSIGNMENT
        assert fetched.owner() == student
        assert {p.name for p in fetched.glob("*.ipynb")} == set(COURSE.notebooks)
    inbound = hub.exchange / COURSE_ID / "inbound"
    ada = [p for p in inbound.iterdir() if p.name.startswith(f"{ADA}+")]
    assert sorted(p.owner() for p in ada) == sorted([ADA, BEN])            # hers, and Ben's in her name


def test_ben_cannot_read_or_change_what_is_not_his(hub):
    attempts = hub.attempts
    for name in ("list inbound", "read the course source", "read the gradebook", "change the release",
                 "add to the release", "rename the course folder", "read Ada's home",
                 "overwrite Ada's submitted notebook"):
        assert attempts[name] == "PermissionError", (name, attempts)
    # nbgrader makes every submission folder 0777: knowing its name is enough to replace a file in it
    assert attempts["replace Ada's conftest.py"] == "done", attempts
    assert (hub.ada_submission / "conftest.py").owner() == BEN
    assert hub.forge.returncode == 0, hub.forge.stderr             # inbound is writable by all: a forged folder


def test_nbgrader_collect_alone_accepts_the_impostor_and_the_link(hub):
    """Why the course's collector is needed: nbgrader's own only warns."""
    assert f"claims to be submitted by {ADA} but is owned by {BEN}; cheating attempt?" in hub.collect_log
    theirs = hub.course / "submitted-by-nbgrader"
    release = hub.exchange / COURSE_ID / "outbound" / ASSIGNMENT
    # Ada's submission is Ben's stubs (his, in her name, is newer)
    assert (theirs / ADA / ASSIGNMENT / "3_sgd.ipynb").read_bytes() == (release / "3_sgd.ipynb").read_bytes()
    # Ben's "notebook" is the instructor's source: solutions and hidden tests
    copied = (theirs / BEN / ASSIGNMENT / "1_gradients.ipynb").read_text()
    assert copied == (hub.course / "source" / ASSIGNMENT / "1_gradients.ipynb").read_text()
    assert "### BEGIN HIDDEN TESTS" in copied


def test_the_course_collector_refuses_them(hub):
    log = hub.collect_log.split(f"$ nbgrader collect {ASSIGNMENT}    (in")[-1]      # the second collect's log
    assert f"claims to be submitted by {ADA} but is owned by {BEN} (not collected)" in log
    assert "not collected: conftest.py" in log and f"owned by {BEN}, not by {ADA}" in log
    assert "not collected: 1_gradients.ipynb" in log and "a symbolic link" in log
    ours = hub.course / "submitted"
    ada, ben = ours / ADA / ASSIGNMENT, ours / BEN / ASSIGNMENT
    for nb in COURSE.notebooks:                                      # Ada's own work
        assert (ada / nb).read_bytes() == (hub.work[ADA] / nb).read_bytes(), nb
    assert not (ada / "conftest.py").exists()
    assert not (ben / "1_gradients.ipynb").exists()                  # the link was not followed
    assert (ben / "timestamp.txt").read_text() == hub.forged_stamp       # his newest (forged) submission
    for path in ours.rglob("*"):
        assert not path.is_symlink() and path.owner() == INSTRUCTOR, path


@pytest.mark.parametrize("tier", ["auto", "restricted"])
def test_the_instructor_grades_without_root(hub, tier):
    done, records = hub.graded[tier]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    name = {"auto": "bwrap", "restricted": "restricted"}[tier]
    assert f"sandbox: {name}" in done.stdout, done.stdout
    assert "sandbox is OFF" not in done.stderr
    assert {s: r["score"] for s, r in records.items()} == pytest.approx(EXPECTED)
    ben = records[BEN]
    assert all(f["score"] == 0 for f in ben["functions"] if f["function"] in GRADIENTS + ["adam"])
    assert any(p["notebook"] == "1_gradients.ipynb" and p["kind"] == "missing" for p in ben["problems"])
    # written as the instructor, in the instructor's course
    assert (hub.course / "grading" / f"results-{tier}.json").owner() == INSTRUCTOR


def test_root_grades_too_with_a_uid_per_child(hub):
    done, records = hub.graded["root"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "sandbox: restricted" in done.stdout
    assert {s: r["score"] for s, r in records.items()} == pytest.approx(EXPECTED)
    assert hub.course_changed_by_root == []


def test_bens_conftest_never_ran(hub):
    assert stat.S_IMODE(hub.course.stat().st_mode) == 0o700
    assert not os.path.exists("/tmp/pwned-by-ben")


def test_the_repository_config_selects_the_owner_checked_collector():
    assert OWNER_CHECKED in (REPO / "nbgrader_config.py").read_text()
