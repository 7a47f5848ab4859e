"""The instructor's cycle through the real nbgrader commands, with simulated students on one machine.

    course = Course(root)                                  # a course directory (its nbgrader_config.py names the exchange)
    course.run(course.generate_assignment(), course.import_students(csv_path),
               course.add_assignment(duedate), course.release())
    ada = course.student("ada")                            # a simulated student: own folder, config, cache
    course.run(ada.fetch())                                # -> ada.folder (the student's copy)
    ...                                                    # the student works in ada.folder
    course.run(ada.submit(), course.collect())             # -> <root>/submitted/ada/fitting_models/
    course.run(course.zip_collect(REGEXP))                 # LMS downloads -> submitted/ too
    course.run(course.release_feedback(), ada.fetch_feedback(), course.export(csv_path))

Each step method returns a ``Command`` (nbgrader's argv + the folder it runs in); ``run`` executes
them. ``run(..., batch=True)`` (default) runs the commands one after another in ONE Python process
through ``NbGraderApp.launch_instance(argv)``, exactly what the ``nbgrader`` script does, so the
≈3-5 s start-up (mostly importing ``rfc3987_syntax``) is paid once per batch, not per command.
``batch=False`` starts ``python -m nbgrader <argv>`` per command. Logs go to ``<root>/logs/``.

Students are folders ``<root>/students/<id>/`` holding a student-side ``nbgrader_config.py`` (course
id and exchange root, as a JupyterHub would provide); their commands run there, with ``--student
<id>`` and a per-student ``--Exchange.cache`` (otherwise simulated students would share one cache
and ``fetch_feedback`` would copy everybody's feedback).

Quirks handled here (see the project's nbgrader notes): ``zip_collect`` needs
a collector pattern (the course's ``LmsCollector``, ``autograder.cycle.lms``: ``lms_archive`` writes
a Blackboard-style download, with times, and the usernames' mapping file); it writes no
``submission_secret.txt``, so ``release_feedback`` would die at the first such student:
``autograder.exporters.feedback.release`` writes one.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .. import course as _course

ASSIGNMENT = _course.ASSIGNMENT

# LMS download names: <assignment>_<student>_<ISO basic UTC timestamp>_<notebook>.ipynb
@dataclass(frozen=True)
class Command:
    """One nbgrader command line (without the leading ``nbgrader``) and the folder it runs in."""
    args: tuple
    cwd: str

    def __str__(self):
        return "nbgrader " + " ".join(self.args)


class CommandFailed(RuntimeError):
    pass


class Course:
    """A course directory driven through nbgrader. ``root`` holds ``nbgrader_config.py``."""

    def __init__(self, root=None, assignment=ASSIGNMENT):
        self.root = Path(root or _course.current().root).resolve()
        self.assignment = assignment
        self.course_id, exchange = _read_config(self.root)
        self.exchange = Path(exchange).resolve()
        self.logs = self.root / "logs"
        self._log_count = 0

    # ------------------------------------------------------------------ running
    def env(self):
        env = dict(os.environ, FITTING_COURSE_ROOT=str(self.root))
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")  # nbgrader runs alembic
        env.setdefault("PYTHONUNBUFFERED", "1")
        return env

    def command(self, *args, cwd=None):
        return Command(tuple(str(a) for a in args), str(cwd or self.root))

    def run(self, *commands, batch=True, check=True, keep_going=False, label=None):
        """Run nbgrader commands in order and return their exit codes. A failure stops the run (its
        code is the last one) unless ``keep_going``; with ``check`` it raises ``CommandFailed``
        with the end of the log (``nbgrader autograde`` exits 1 when any submission failed: pass
        ``check=False, keep_going=True`` for it)."""
        if not commands:
            return []
        self.logs.mkdir(parents=True, exist_ok=True)
        self._log_count += 1
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", label or commands[0].args[0])
        log = self.logs / f"{self._log_count:02d}-{name}.log"
        if batch:
            codes, output = self._run_batch(commands, keep_going)
        else:
            codes, output = [], []
            for cmd in commands:
                done = subprocess.run([sys.executable, "-m", "nbgrader", *cmd.args], cwd=cmd.cwd, env=self.env(),
                                      capture_output=True, text=True)
                output.append(f"$ {cmd}\n{done.stdout}{done.stderr}")
                codes.append(done.returncode)
                if done.returncode != 0 and not keep_going:
                    break
            output = "\n".join(output)
        log.write_text(output, encoding="utf-8")
        failed = [(cmd, code) for cmd, code in zip(commands, codes) if code != 0] or \
                 ([(commands[len(codes)], "not run")] if len(codes) < len(commands) else [])
        if check and failed:
            cmd, code = failed[0]
            raise CommandFailed(f"`{cmd}` (in {cmd.cwd}) failed with exit code {code}; log {log}:\n"
                                f"{_tail(output)}")
        return codes

    def _run_batch(self, commands, keep_going=False):
        with tempfile.TemporaryDirectory(prefix="nbgrader-batch-") as tmp:
            spec, result = Path(tmp) / "commands.json", Path(tmp) / "codes.json"
            spec.write_text(json.dumps({"keep_going": keep_going,
                                        "commands": [{"args": list(c.args), "cwd": c.cwd} for c in commands]}))
            done = subprocess.run([sys.executable, "-m", "autograder.cycle.commands", "--batch", str(spec), str(result)],
                                  cwd=self.root, env=self.env(), capture_output=True, text=True)
            codes = json.loads(result.read_text()) if result.exists() else []
            output = done.stdout + done.stderr
            if done.returncode != 0 and len(codes) == len(commands) and all(c == 0 for c in codes):
                codes[-1] = done.returncode          # the driver itself failed after the last command
            return codes, output

    # --------------------------------------------------------- instructor steps
    def generate_assignment(self):
        """Fills the gradebook with the notebooks, grade cells and hidden tests (and rewrites the
        release folder, identical to ``python -m autograder build``)."""
        return self.command("generate_assignment", self.assignment, "--force")

    def import_students(self, csv_path):
        """``db student import``: one command for a whole class (columns id,last_name,first_name,email)."""
        return self.command("db", "student", "import", csv_path)

    def add_assignment(self, duedate):
        """Due date as text nbgrader parses, e.g. ``2026-12-05 12:00:00 UTC``."""
        return self.command("db", "assignment", "add", self.assignment, f"--duedate={duedate}")

    def release(self):
        return self.command("release_assignment", self.assignment, "--force")

    def collect(self, update=False):
        return self.command("collect", self.assignment, *(["--update"] if update else []))

    def zip_collect(self, named_regexp=None, student_ids=None):
        """Collect LMS downloads placed in ``downloaded/<assignment>/archive/`` with the course's
        collector (``lms_archive`` writes a Blackboard download and its mapping file)."""
        from .lms import BLACKBOARD
        return self.command("zip_collect", self.assignment, "--force",
                            f"--LmsCollector.named_regexp={named_regexp or BLACKBOARD}",
                            f"--LmsCollector.student_ids={student_ids or self.archive().parent / 'lms_students.csv'}")

    def autograde(self, *extra):
        return self.command("autograde", self.assignment, *extra)

    def generate_feedback(self, *extra):
        return self.command("generate_feedback", self.assignment, *extra)

    def release_feedback(self, exclude=()):
        extra = [f"--CourseDirectory.student_id_exclude={','.join(sorted(exclude))}"] if exclude else []
        return self.command("release_feedback", self.assignment, *extra)

    def export(self, csv_path):
        return self.command("export", f"--to={csv_path}")

    # ---------------------------------------------------------------- folders
    def submitted(self, student=None):
        base = self.root / "submitted"
        return base if student is None else base / student / self.assignment

    def feedback(self, student):
        return self.root / "feedback" / student / self.assignment

    def archive(self):
        return self.root / "downloaded" / self.assignment / "archive"

    def student(self, student_id, home=None):
        return Student(self, student_id, home)

    def lms_archive(self, name, submissions):
        """Write a Blackboard-style download ``<name>.zip`` into the zip_collect archive folder
        (``<assignment>_<username>_attempt_<YYYY-MM-DD-HH-MM-SS>_<file>``, times in UTC) and the
        mapping of LMS usernames (``<id>.lms``) to the course's ids, as an instructor exports it.
        ``submissions``: {student: (timestamp as an aware datetime, folder of notebooks)}."""
        self.archive().mkdir(parents=True, exist_ok=True)
        path = self.archive() / f"{name}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for student, (when, folder) in sorted(submissions.items()):
                stamp = when.astimezone(_utc()).strftime("%Y-%m-%d-%H-%M-%S")
                for nb in sorted(Path(folder).glob("*.ipynb")):
                    zf.write(nb, f"{self.assignment}_{student}.lms_attempt_{stamp}_{nb.name}")
        with open(self.archive().parent / "lms_students.csv", "w", encoding="utf-8") as f:
            f.write("lms_id,student_id\n" + "".join(f"{s}.lms,{s}\n" for s in sorted(submissions)))
        return path


class Student:
    """A simulated student: a home folder with a student-side nbgrader config and cache."""

    def __init__(self, course, student_id, home=None):
        if "*" in student_id or "+" in student_id:
            raise ValueError(f"nbgrader refuses student ids with '*' or '+': {student_id!r}")
        self.course, self.id = course, student_id
        self.home = Path(home or course.root / "students" / student_id).resolve()
        self.cache = self.home / ".nbgrader_cache"
        self.folder = self.home / course.assignment          # what fetch_assignment creates

    def setup(self):
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "nbgrader_config.py").write_text(
            "c = get_config()  # noqa: F821\n"
            f"c.CourseDirectory.course_id = {self.course.course_id!r}\n"
            f"c.Exchange.root = {str(self.course.exchange)!r}\n", encoding="utf-8")
        return self

    def _command(self, *args):
        return self.course.command(*args, cwd=self.home)

    def fetch(self):
        return self._command("fetch_assignment", self.course.assignment)

    def submit(self):
        return self._command("submit", self.course.assignment, f"--student={self.id}",
                             f"--Exchange.cache={self.cache}")

    def fetch_feedback(self):
        return self._command("fetch_feedback", self.course.assignment, f"--student={self.id}",
                             f"--Exchange.cache={self.cache}")

    def feedback_files(self):
        """The feedback pages fetched so far: ``<folder>/feedback/<timestamp>/<notebook>.html``."""
        return sorted((self.folder / "feedback").glob("*/*.html"))


def _utc():
    from datetime import timezone
    return timezone.utc


def _tail(text, lines=40):
    return "\n".join(text.strip().splitlines()[-lines:])


def _read_config(root):
    """(course id, exchange root) as the course's nbgrader_config.py sets them (nbgrader's defaults
    otherwise)."""
    from traitlets.config.loader import PyFileConfigLoader
    path = Path(root) / "nbgrader_config.py"
    config = PyFileConfigLoader(path.name, path=str(path.parent)).load_config() if path.exists() else {}
    course_id = config.get("CourseDirectory", {}).get("course_id", "default_course")
    return course_id, config.get("Exchange", {}).get("root", "/srv/nbgrader/exchange")


# ---------------------------------------------------------------- batch driver
def _reset_singletons():
    """Forget every traitlets singleton (the nbgrader app and its subcommand apps), so the next
    command starts from a fresh application, as in a new process."""
    from traitlets.config import SingletonConfigurable
    stack = [SingletonConfigurable]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__dict__.get("_instance") is not None:
            cls._instance = None


def _batch_main(spec_path, result_path):
    """Run the commands of ``spec_path`` with nbgrader's own entry point, one after another."""
    from nbgrader.apps.nbgraderapp import NbGraderApp
    spec = json.loads(Path(spec_path).read_text())
    codes = []
    try:
        for cmd in spec["commands"]:
            started = time.perf_counter()
            print(f"$ nbgrader {' '.join(cmd['args'])}    (in {cmd['cwd']})", file=sys.stderr, flush=True)
            os.chdir(cmd["cwd"])
            _reset_singletons()
            code = 0
            try:
                NbGraderApp.launch_instance(cmd["args"])
            except SystemExit as done:
                code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
            except Exception:  # noqa: BLE001 - report it as this command's failure
                import traceback
                traceback.print_exc()
                code = 1
            codes.append(code)
            print(f"# exit {code} after {time.perf_counter() - started:.2f} s", file=sys.stderr, flush=True)
            if code != 0 and not spec["keep_going"]:
                break
    finally:
        Path(result_path).write_text(json.dumps(codes))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--batch":
        _batch_main(sys.argv[2], sys.argv[3])
    else:
        sys.exit("usage: python -m autograder.cycle.commands --batch COMMANDS.json CODES.json")
