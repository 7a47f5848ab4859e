"""The demo: the instructor's whole cycle through nbgrader, with a bundled class of simulated students.

    python -m autograder demo [--workdir DIR] [--jobs 2]

In a fresh course directory (a copy of ``source/``, ``assignments/``, ``solutions/`` and
``nbgrader_config.py``; the exchange is a folder inside it): add the class and the assignment with
its due date to the gradebook, release, each student fetches, works (``fabricate.make_submission``)
and submits through the exchange, or hands in through an LMS download (``zip_collect``); collect,
grade everything in ``submitted/`` with this grader, record the scores in ``gradebook.db``, write
the feedback pages and release them, export ``grades.csv`` with ``nbgrader export`` and write a
Gradescope ``results.json`` per student. Measured on 2 cores: 28-55 s wall time, of which grading
the 12 submissions takes 4-11 s and ``generate_assignment`` ~10 s (nbgrader's start-up is paid once
per batch of commands, see ``autograder.cycle.commands``).

The class (``CLASS``) covers: full marks, partial credit, catalogued mistakes, accepted variants, two
stubs, a crash (``os._exit(1)``), a hang (an infinite loop), a broken notebook (invalid JSON), a
late submission (through the LMS, after the due date) and an on-time LMS submission.

The demo's course configuration is the repository's plus ``DEMO_CONFIG``: an exchange inside the
demo course, ``check_owner`` off (the simulated students share one unix user) and nbgrader's
built-in late penalty "zero" (a late submission scores 0; the default "none" would show none).
"""
import ast
import contextlib
import csv
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .. import course as _course
from ..exporters import gradebook, gradescope
from . import commands

STUB, CRASH, HANG = "stub (left unimplemented)", "crash (os._exit(1))", "hang (infinite loop)"

DEMO_CONFIG = '''
# --- added by autograder.demo (the demo course only) ---
c.Exchange.root = {exchange!r}                  # a folder of the demo course: no root, no system paths
c.ExchangeCollect.check_owner = False             # the simulated students share one unix user
c.LateSubmissionPlugin.penalty_method = "zero"    # nbgrader's built-in penalty: a late submission scores 0
'''


@dataclass(frozen=True)
class DemoStudent:
    id: str
    first: str
    last: str
    about: str
    answers: tuple = ()        # (function, catalogue entry name | STUB | CRASH | HANG), the rest correct
    broken: str = None         # a notebook handed in as invalid JSON
    lms: timedelta = None      # handed in through the LMS at due date + lms; None: through the exchange

    @property
    def email(self):
        return f"{self.id}@example.edu"


CLASS = (
    DemoStudent("ada", "Ada", "Lovelace", "every answer correct"),
    DemoStudent("ben", "Ben", "Okafor", "partial credit: two near-misses",
                (("line_search", "rule 2 with <= instead of <"), ("sgd", "schedule evaluated at t + 1"))),
    DemoStudent("cai", "Cai", "Wen", "catalogued mistakes in Adam and momentum",
                (("adam", "no bias correction"), ("sgd_momentum", "momentum without (1 - beta)"))),
    DemoStudent("dana", "Dana", "Ruiz", "catalogued mistakes in two gradients",
                (("gabor_gradient", "envelope treated as a constant"), ("linear_gradient", "missing factor 2"))),
    DemoStudent("eli", "Eli", "Novak", "accepted variants (full marks)",
                (("adam", "eps inside the square root, sqrt(v_hat + eps) (as on one lecture slide)"),
                 ("sgd_nesterov", "look-ahead phi - alpha * beta * m (the book's corrected form)"))),
    DemoStudent("fay", "Fay", "Moreau", "batching and schedule mistakes",
                (("epoch_batches", "drops the short last batch"), ("step_decay", "no floor: factor ** (t / every)"))),
    DemoStudent("gus", "Gus", "Lindqvist", "two stubs left unimplemented", (("sgd", STUB), ("adam", STUB))),
    DemoStudent("hana", "Hana", "Sato", "adam crashes the process (os._exit(1))", (("adam", CRASH),)),
    DemoStudent("ivan", "Ivan", "Petrov", "step_decay never returns (infinite loop)", (("step_decay", HANG),)),
    DemoStudent("jo", "Jo", "Mensah", "4_momentum.ipynb handed in as invalid JSON", broken="4_momentum.ipynb"),
    DemoStudent("kim", "Kim", "Larsen", "late: through the LMS, 1 day 3 h after the due date",
                (("gradient_descent", "gradient ascent (phi + alpha g)"),), lms=timedelta(days=1, hours=3)),
    DemoStudent("lea", "Lea", "Fischer", "on time through the LMS, three mistakes",
                (("parabola_slope", "sign of the constant flipped (2x + 4)"),
                 ("numerical_gradient", "forward differences"),
                 ("gradient_descent_line_search", "line search with its default arguments")),
                lms=-timedelta(days=2)),
)


# ------------------------------------------------------------------ answers
def _entry(function, name):
    for entry in _course.current().content.catalogue_entries(function):
        if entry.name == name:
            return entry
    raise LookupError(f"no catalogue entry {name!r} for {function}")


def _sabotaged(function, statements):
    """The correct answer with ``statements`` run first in the function's body."""
    tree = ast.parse(_course_answer(function))
    node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function)
    start = 1 if node.body and isinstance(node.body[0], ast.Expr) and isinstance(
        getattr(node.body[0], "value", None), ast.Constant) else 0     # keep the docstring first
    node.body[start:start] = ast.parse(statements).body
    return ast.unparse(tree)


def _course_answer(function):
    from .fabricate import correct_answers
    return correct_answers()[function]


def answer_code(function, kind):
    """The code a demo student hands in for ``function`` (None: the release's stub)."""
    if kind == STUB:
        return None
    if kind == CRASH:
        return _sabotaged(function, "import os\nos._exit(1)")
    if kind == HANG:
        return _sabotaged(function, "while True:\n    pass")
    return _entry(function, kind).source()


def replacements(student):
    return {function: answer_code(function, kind) for function, kind in student.answers}


def do_the_work(student, folder, release):
    """Fill ``folder`` (the student's copy of the release) as this student would."""
    from .fabricate import make_submission
    with tempfile.TemporaryDirectory(prefix="demo-work-") as tmp:
        make_submission(tmp, replacements(student), release=release)
        for path in Path(tmp).glob("*.ipynb"):
            shutil.copyfile(path, Path(folder) / path.name)
    if student.broken:
        path = Path(folder) / student.broken
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: len(text) // 2], encoding="utf-8")      # a truncated save


# ------------------------------------------------------------------ the run
@dataclass
class DemoResult:
    root: Path
    records: list                 # of Record
    scores: dict                  # gradebook.scores() after recording
    csv: Path
    feedback: dict                # student -> our page (in the course's feedback/ folder)
    fetched_feedback: dict        # student -> the files fetch_feedback gave them
    gradescope: dict              # student -> results.json
    due: datetime
    seconds: dict = field(default_factory=dict)   # step -> seconds


@contextlib.contextmanager
def _env(**values):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update({k: str(v) for k, v in values.items()})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def copy_course(root):
    """A fresh course directory at ``root``: the repository's course files plus ``DEMO_CONFIG``."""
    root, here = Path(root), _course.current().root
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".pytest_cache")
    for name in ("source", "assignments", "solutions"):
        shutil.copytree(here / name, root / name, ignore=ignore)
    config = (here / "nbgrader_config.py").read_text(encoding="utf-8")
    (root / "nbgrader_config.py").write_text(config + DEMO_CONFIG.format(exchange=str(root / "exchange")),
                                             encoding="utf-8")
    return root


def run_demo(workdir=None, jobs=2, say=print):
    """Run the whole cycle in ``workdir`` (a new temporary folder if None; must be empty). Returns a
    ``DemoResult``; prints one line per step with the elapsed time, then the class's table."""
    from ..engine.grading import grade, summary
    from ..engine.results import to_json
    from ..exporters.text import class_table

    started = time.perf_counter()
    seconds = {}
    last = [started]

    def step(name, message):
        now = time.perf_counter()
        seconds[name] = round(now - last[0], 2)
        last[0] = now
        say(f"[{now - started:6.1f} s] {message}")

    root = Path(workdir or tempfile.mkdtemp(prefix="fitting-demo-")).resolve()
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty: give the demo a new or empty folder")
    root.mkdir(parents=True, exist_ok=True)
    copy_course(root)
    with _env(FITTING_COURSE_ROOT=root):
        course = commands.Course(root)
        due = (datetime.now(timezone.utc) + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
        students_csv = root / "students.csv"
        with open(students_csv, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "last_name", "first_name", "email"])
            writer.writerows([s.id, s.last, s.first, s.email] for s in CLASS)
        step("copy", f"course copied to {root} ({len(CLASS)} students, due {due:%Y-%m-%d %H:%M} UTC)")

        course.run(course.generate_assignment(), course.import_students(students_csv),
                   course.add_assignment(due.strftime("%Y-%m-%d %H:%M:%S UTC")), course.release(), label="setup")
        step("setup", "nbgrader generate_assignment, db student import, db assignment add --duedate, "
                      "release_assignment")

        online = [s for s in CLASS if s.lms is None]
        accounts = {s.id: course.student(s.id).setup() for s in online}
        course.run(*(accounts[s.id].fetch() for s in online), label="fetch")
        step("fetch", f"{len(online)} students: nbgrader fetch_assignment")

        for s in online:
            do_the_work(s, accounts[s.id].folder, accounts[s.id].folder)
        lms = {}
        lms_dir = root / "lms"
        for s in CLASS:
            if s.lms is not None:
                folder = lms_dir / s.id
                folder.mkdir(parents=True)
                do_the_work(s, folder, root / "assignments" / _course.ASSIGNMENT)
                lms[s.id] = (due + s.lms, folder)
        archive = course.lms_archive("lms_download", lms)
        step("work", f"students filled in their notebooks; LMS download {archive.relative_to(root)}")

        course.run(*(accounts[s.id].submit() for s in online), course.collect(), course.zip_collect(),
                   label="submit-collect")
        step("collect", f"{len(online)} x nbgrader submit, nbgrader collect, nbgrader zip_collect ({len(lms)} from the LMS)")

        grading_started = time.perf_counter()
        records, tier = grade([course.submitted()], jobs=jobs)
        grading_seconds = time.perf_counter() - grading_started
        step("grade", f"graded {len(records)} submissions in {grading_seconds:.1f} s "
                      f"(jobs={jobs}, sandbox: {tier.name})")

        scores = gradebook.record(records, root)
        step("gradebook", f"scores recorded in {root / 'gradebook.db'} (one transaction, late penalties applied), "
                          "autograded/ written for the formgrader")

        from ..exporters.feedback.release import release
        pages = release(records, root, flat=root / "reports", jobs=jobs)
        lms_students = sorted(lms)
        results = gradescope.write_all(records, root / "gradescope")
        step("feedback", f"{len(pages)} feedback pages, {len(results)} Gradescope results.json")

        grades_csv = root / "grades.csv"
        course.run(course.export(grades_csv), course.release_feedback(),
                   *(accounts[s].fetch_feedback() for s in sorted(pages) if s in accounts), label="export-feedback")
        fetched = {s: accounts[s].feedback_files() for s in sorted(pages) if s in accounts}
        step("export", "nbgrader export, release_feedback, fetch_feedback")

    say("")
    say(class_table([summary(to_json(r)) for r in records]))
    say("")
    late = [f"{s}: -{v['late_penalty']:g} ({v['seconds_late'] / 3600:.1f} h late)"
            for s, v in sorted(scores.items()) if v["late_penalty"]]
    say(f"gradebook:   {root / 'gradebook.db'}" + (f"  (late penalties: {'; '.join(late)})" if late else ""))
    say(f"grades CSV:  {grades_csv}  (nbgrader export)")
    say(f"feedback:    {root / 'feedback'}/<student>/{_course.ASSIGNMENT}/  (released; students fetched "
        f"theirs into students/<id>/{_course.ASSIGNMENT}/feedback/; LMS students {', '.join(lms_students) or '-'} "
        f"get theirs through the LMS)")
    say(f"Gradescope:  {root / 'gradescope'}/<student>/results.json")
    say(f"nbgrader logs: {root / 'logs'}")
    total = time.perf_counter() - started
    say(f"grading took {grading_seconds:.1f} s for {len(records)} submissions; the whole demo {total:.1f} s")
    seconds["grading"] = round(grading_seconds, 2)
    seconds["total"] = round(total, 2)
    return DemoResult(root, records, scores, grades_csv, pages,
                      fetched, results, due.replace(tzinfo=None), seconds)


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(prog="python -m autograder demo", description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", help="an empty folder for the demo course (default: a new temporary folder)")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (default 2)")
    args = parser.parse_args(argv)
    run_demo(args.workdir, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
