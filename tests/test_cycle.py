"""The instructor's whole cycle through the real nbgrader (no mocks): the demo class is released,
fetched, submitted (exchange and LMS), collected, graded, recorded in the gradebook, exported,
given feedback and Gradescope results; then ``nbgrader autograde`` grades the same submissions.

Expected scores are derived here, independently of the grading pipeline: per function from its
points, the demo student's answer (correct, stub, crash, hang, broken notebook, or a catalogue entry)
and, for a catalogue entry, on how many of the function's cases the entry's own output equals the
reference's (both computed in this process, no sandbox, no notebooks, no pytest session).

nbgrader autograde vs our grader (same cases, same points: the hidden cells call
``autograder.incell.grade``): equal per function and per student, except where nbgrader cannot
finish a notebook:
- crash (``os._exit(1)`` in ``adam``): the kernel dies, nbgrader abandons 5_adam.ipynb: both its grade
  cells stay unscored (0 in the CSV); ours scores 0 for ``adam`` only;
- broken notebook (4_momentum.ipynb invalid JSON): nbgrader stops at that notebook, so the notebooks
  after it (5_adam.ipynb) are not graded either; ours loses only the broken notebook's functions;
- hang (infinite loop in ``step_decay``): same scores (the cell timeout interrupts the visible cells,
  the hidden cell's per-call alarm stops the call), but each cell calling the function costs the
  whole ``Execute.timeout`` (10 s here; 120 s with the course's configuration).
"""
import json
import os
import re
import shutil
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from autograder.cycle.commands import Course
from autograder.cycle.demo import CLASS, CRASH, HANG, STUB, _entry, run_demo
from autograder.engine import compare, verdicts
from autograder.engine.assignment import all_cases, cases_of
from autograder.exporters import gradebook

from .helpers import COURSE as course

pytestmark = pytest.mark.slow

STUDENTS = {s.id: s for s in CLASS}
HIDDEN_MARKERS = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS", "from autograder.incell import grade",
                  "### BEGIN SOLUTION", "### END SOLUTION")
NBGRADER_CANNOT_FINISH = {"hana": {"5_adam.ipynb"}, "jo": {"4_momentum.ipynb", "5_adam.ipynb"}}
TIMINGS = {}


# ------------------------------------------------------------------ expectations
def entry_points(function, entry_name, points):
    """The points of a catalogue entry: each case its equal share when the entry's output equals the
    reference's, degenerate cases only when a non-degenerate one passes too (README, "points")."""
    entry = _entry(function, entry_name)
    cases = cases_of(function)
    if entry.accepted:
        return points
    right = []
    for case in cases:
        mine = next(out for e, out in verdicts.catalogue_outputs(case) if e is entry)
        right.append(mine is not None and compare.same(verdicts.reference_output(case), mine))
    earned = any(r and not c.degenerate for r, c in zip(right, cases))
    return round(points * sum(1 for r, c in zip(right, cases) if r and (earned or not c.degenerate)) / len(cases), 4)


def expected_functions(student):
    answers = dict(student.answers)
    found = {}
    for g in course.graded:
        kind = answers.get(g.name)
        if student.broken == g.notebook or kind in (STUB, CRASH, HANG):
            found[g.name] = 0.0
        elif kind is None:
            found[g.name] = g.points
        else:
            found[g.name] = entry_points(g.name, kind, g.points)
    return found


EXPECTED = {s.id: expected_functions(s) for s in CLASS}
TOTAL = {s: round(sum(f.values()), 4) for s, f in EXPECTED.items()}
MAX = course.max_score
# the same by hand, from the points only, for the students whose answers involve no catalogue entry
P = {g.name: g.points for g in course.graded}
BY_HAND = {"ada": MAX, "gus": MAX - P["sgd"] - P["adam"], "hana": MAX - P["adam"], "ivan": MAX - P["step_decay"],
           "jo": MAX - P["sgd_momentum"] - P["sgd_nesterov"]}


# ------------------------------------------------------------------ the run
@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + old_path     # nbgrader runs alembic
    lines = []
    try:
        started = time.perf_counter()
        result = run_demo(tmp_path_factory.mktemp("demo") / "course", jobs=2, say=lines.append)
        TIMINGS["demo wall time"] = time.perf_counter() - started
        TIMINGS["our grading"] = result.seconds["grading"]
        yield result, lines
    finally:
        os.environ["PATH"] = old_path
        print("\n" + "\n".join(f"{k}: {v:.1f} s" for k, v in TIMINGS.items()))


def test_expectations_agree_with_the_points_by_hand():
    for student, total in BY_HAND.items():
        assert TOTAL[student] == total
    assert TOTAL["eli"] == MAX                    # accepted variants earn the points
    assert 0 < MAX - TOTAL["ben"] < 1             # partial credit within functions


def test_demo_prints_progress_and_the_class_table(demo):
    result, lines = demo
    steps = [line for line in lines if re.match(r"\[\s*\d+\.\d s\] ", line)]
    assert len(steps) >= 8
    text = "\n".join(lines)
    for student in STUDENTS:
        assert re.search(rf"^{student}\s+\S+/{MAX:.2f}", text, re.M), student
    assert "grades CSV:" in text and "Gradescope:" in text and "grading took" in text
    assert not any(line.startswith("[") and "FAIL" in line for line in lines)


def test_records_match_the_expected_scores(demo):
    result, _ = demo
    records = {r.student: r for r in result.records}
    assert sorted(records) == sorted(STUDENTS)
    for student, rec in records.items():
        got = {f.function: float(f.score) for f in rec.functions}
        assert got == pytest.approx(EXPECTED[student], abs=1e-4), student
    assert records["ivan"].function("step_decay").status == "timeout"
    assert records["gus"].function("sgd").status == "not implemented"
    assert any(p.notebook == "4_momentum.ipynb" and p.kind == "invalid" for p in records["jo"].problems)


def test_gradebook_holds_our_scores_and_nbgrader_late_penalty(demo):
    result, _ = demo
    rows = gradebook.scores(result.root)
    assert sorted(rows) == sorted(STUDENTS)
    for student, row in rows.items():
        assert row["functions"] == pytest.approx(EXPECTED[student], abs=1e-4), student
        assert row["raw_score"] == pytest.approx(TOTAL[student], abs=1e-3)
        assert row["max_score"] == MAX
        assert not row["needs_manual_grade"]
        late = STUDENTS[student].lms is not None and STUDENTS[student].lms.total_seconds() > 0
        assert (row["seconds_late"] > 0) == late, student
        # the demo course uses nbgrader's "zero" penalty: a late submission scores nothing
        assert row["late_penalty"] == pytest.approx(TOTAL[student] if late else 0.0, abs=1e-3)
        assert row["score"] == pytest.approx(0.0 if late else TOTAL[student], abs=1e-3)
        if STUDENTS[student].lms is not None:
            assert row["timestamp"] == result.due + STUDENTS[student].lms
        else:
            assert row["timestamp"] < result.due


def test_nbgrader_export_reports_our_scores(demo):
    result, _ = demo
    import csv
    with open(result.csv, newline="") as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == sorted(STUDENTS)
    for student, row in rows.items():
        late = STUDENTS[student].lms is not None and STUDENTS[student].lms.total_seconds() > 0
        assert float(row["raw_score"]) == pytest.approx(TOTAL[student], abs=1e-3), student
        assert float(row["late_submission_penalty"]) == pytest.approx(TOTAL[student] if late else 0, abs=1e-3)
        assert float(row["score"]) == pytest.approx(0 if late else TOTAL[student], abs=1e-3)
        assert float(row["max_score"]) == MAX
        assert row["timestamp"] and row["duedate"]


def test_feedback_pages_are_released_and_fetched(demo):
    result, _ = demo
    assert sorted(result.feedback) == sorted(STUDENTS)
    exchange = result.root / "exchange" / "fitting-models" / "feedback"
    submitted = sum(len(list((result.root / "submitted" / s.id / "fitting_models").glob("*.ipynb"))) for s in CLASS)
    assert len(list(exchange.glob("*.html"))) == submitted          # every student's, LMS students' too
    for s in CLASS:
        page = (result.root / "reports" / f"{s.id}.html").read_bytes()
        delivered = sorted(result.feedback[s.id].glob("*.html"))
        assert [p.stem for p in delivered] == [Path(n).stem for n in course.notebooks
                                              if (result.root / "submitted" / s.id / "fitting_models" / n).exists()]
        assert all(p.read_bytes() == page for p in delivered)
        if s.lms is None:                       # fetched through the exchange, one per notebook
            fetched = result.fetched_feedback[s.id]
            assert len(fetched) == len(course.notebooks) and all(p.read_bytes() == page for p in fetched)
        else:                                   # LMS students: released too, but they fetch nothing
            assert s.id not in result.fetched_feedback                  # (their page goes through the LMS)


def test_gradescope_results_match(demo):
    result, _ = demo
    for student, path in result.gradescope.items():
        data = json.loads(Path(path).read_text())
        assert data["score"] == pytest.approx(TOTAL[student], abs=1e-3), student
        assert {"score", "output", "visibility", "tests"} <= set(data)
        scored = [t for t in data["tests"] if t["max_score"]]
        assert [t["name"].split(" ")[0] for t in scored] == [g.name for g in course.graded]
        for test in scored:
            function = test["name"].split(" ")[0]
            assert test["score"] == pytest.approx(EXPECTED[student][function], abs=1e-4)
            assert test["status"] == ("passed" if test["score"] == test["max_score"] else "failed")
            assert {"name", "score", "max_score", "output", "visibility", "status"} <= set(test)


# ------------------------------------------------------------------ leaks
def _public_text():
    """Everything in the source that is not inside a solution region (given code, docstrings, helper)."""
    texts, regions = [], {}
    for name in course.notebooks:
        for cell in json.loads((course.source / name).read_text())["cells"]:
            source = "".join(cell["source"])
            parts = re.split(r"### BEGIN SOLUTION[^\n]*\n(.*?)[ \t]*### END SOLUTION", source, flags=re.S)
            texts += parts[0::2]
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            regions.setdefault(grade_id, []).extend(parts[1::2])
    for helper in course.source.glob("*.py"):
        texts.append(helper.read_text())
    return "\n".join(texts), regions


def secret_lines():
    """{function: solution lines (20+ characters) that appear nowhere outside the solution regions}"""
    public, regions = _public_text()
    return {f: {line.strip() for r in rs for line in r.splitlines()
                if len(line.strip()) >= 20 and line.strip() not in public}
            for f, rs in regions.items() if rs}


def submitted_text(root, student):
    return "\n".join(p.read_text(errors="replace") for p in (root / "submitted" / student / "fitting_models").glob("*"))


def assert_no_solution_or_hidden_test(text, where, own=""):
    for marker in HIDDEN_MARKERS:
        assert marker not in text, f"{where} contains {marker!r}"
    for function, lines in secret_lines().items():
        for line in lines:
            if line not in own:                  # a student's own (correct) code may come back to them
                assert line not in text, f"{where} contains solution code of {function}: {line!r}"


def _formats(value):
    return {compare.number(value), f"{value:.6g}", repr(float(value))}


def assert_only_first_divergent_step(text, record, where):
    """No reference value beyond the first divergent step of a failed case appears in ``text``."""
    by_id = {c.id: c for c in all_cases()}
    for check in record.cases:
        if check.passed or check.case not in by_id:
            continue
        ref = verdicts.reference_output(by_id[check.case])
        if ref.kind not in ("array", "probe"):
            continue
        values = compare.as_array(ref) if ref.kind == "array" else compare.probe_values(ref)
        step = check.step
        start = 0 if step is None else step + 1
        later = values[start:].ravel() if compare.is_path(values) else values.ravel()[start:]
        allowed = set()
        for v in np.asarray(check.path or [], dtype=float).ravel().tolist() + \
                np.asarray(check.reference_prefix or [], dtype=float).ravel().tolist() + \
                np.ravel(np.asarray(check.got if check.got is not None else [], dtype=float)).tolist() + \
                np.ravel(np.asarray(check.expected if check.expected is not None else [], dtype=float)).tolist():
            allowed |= _formats(v)
        for v in later:
            if not np.isfinite(v):
                continue
            for shown in _formats(v) - allowed:
                if len(shown.lstrip("-").replace(".", "").lstrip("0")) >= 6:   # distinctive numbers only
                    assert shown not in text, f"{where}: {check.case} shows {shown}, beyond step {step}"


def test_nothing_students_receive_leaks(demo):
    result, _ = demo
    root = result.root
    outbound = root / "exchange" / "fitting-models" / "outbound" / "fitting_models"
    released = sorted(outbound.iterdir())
    assert {p.name for p in released} >= set(course.notebooks)
    for path in released:
        assert_no_solution_or_hidden_test(path.read_text(), f"released {path.name}")
    for s in CLASS:
        if s.lms is None:                        # the student's copy: given files exactly as released
            folder = root / "students" / s.id / "fitting_models"
            for path in outbound.glob("*.py"):
                assert (folder / path.name).read_bytes() == path.read_bytes()
    records = {r.student: r for r in result.records}
    for student, rec in records.items():
        own = submitted_text(root, student)
        texts = {f"Gradescope results of {student}": Path(result.gradescope[student]).read_text()}
        for page in sorted(result.feedback.get(student, Path("/nonexistent")).glob("*.html")):
            texts[f"feedback {page}"] = page.read_text()
        for page in result.fetched_feedback.get(student, []):
            texts[f"fetched feedback {page}"] = page.read_text()
        for where, text in texts.items():
            assert_no_solution_or_hidden_test(text, where, own)
            assert_only_first_divergent_step(text, rec, where)


def test_the_leak_checks_can_fail(demo):
    result, _ = demo
    with pytest.raises(AssertionError, match="HIDDEN TESTS"):
        assert_no_solution_or_hidden_test((course.source / "3_sgd.ipynb").read_text(), "source")
    solutions = (result.root / "solutions" / "fitting_models" / "5_adam.ipynb").read_text()
    for marker in HIDDEN_MARKERS:
        solutions = solutions.replace(marker, "")
    with pytest.raises(AssertionError, match="solution code of"):
        assert_no_solution_or_hidden_test(solutions, "solutions")
    assert_no_solution_or_hidden_test(solutions, "solutions", own=solutions)   # one's own code is fine
    ben = next(r for r in result.records if r.student == "ben")
    check = next(c for c in ben.cases_of("sgd") if c.status == "failed")
    case = next(c for c in all_cases() if c.id == check.case)
    beyond = verdicts.reference_output(case).value[check.step + 1:]
    shown = next(compare.number(v) for v in beyond.ravel()
                 if compare.number(v) not in {compare.number(x) for x in np.ravel(check.path)})
    assert_only_first_divergent_step(check.message, ben, "the message")
    with pytest.raises(AssertionError, match="beyond step"):
        assert_only_first_divergent_step(f"<td>{shown}</td>", ben, "a page")


# ------------------------------------------------------------------ nbgrader autograde
# nbgrader's own autograde preprocessors: the hidden-test cells run in a kernel (autograder.incell),
# instead of the course's sandboxed grader (nbgrader_config.py)
KERNEL = [f"--Autograde.autograde_preprocessors=nbgrader.preprocessors.{name}" for name in
          ("Execute", "IgnorePattern", "SaveAutoGrades", "AssignLatePenalties", "CheckCellMetadata")]


def _fresh_gradebook_copy(root, name):
    """A copy of the demo's gradebook (assignment, cells, students, due date) without submissions."""
    from nbgrader.api import Gradebook
    path = root / name
    shutil.copyfile(root / "gradebook.db", path)
    with Gradebook(f"sqlite:///{path}", "fitting-models") as gb:
        for student in STUDENTS:
            gb.remove_submission("fitting_models", student)
    return f"sqlite:///{path}"


def test_nbgrader_autograde_agrees_with_our_grader(demo):
    """nbgrader autograde with nbgrader's own preprocessors (hidden-test cells run in kernels): both
    halves of the class in parallel (2 cores), each against its own gradebook copy."""
    result, _ = demo
    root = result.root
    course_ = Course(root)
    halves = [sorted(STUDENTS)[0::2], sorted(STUDENTS)[1::2]]
    feedback_for = {0: "cai", 1: "ben"}
    assert feedback_for[0] in halves[0] and feedback_for[1] in halves[1]
    db_urls, codes = [], {}

    def autograde(i):
        others = [s for s in STUDENTS if s not in halves[i]]
        common = [f"--CourseDirectory.db_url={db_urls[i]}", f"--CourseDirectory.autograded_directory=kernel-{i}"]
        codes[i] = course_.run(
            course_.autograde(*common, f"--CourseDirectory.student_id_exclude={','.join(others)}",
                              "--Execute.timeout=10", *KERNEL),
            course_.generate_feedback(*common, f"--student={feedback_for[i]}",
                                      "--CourseDirectory.feedback_directory=nbgrader_feedback"),
            check=False, keep_going=True, label=f"autograde-{i}")

    db_urls = [_fresh_gradebook_copy(root, f"nbgrader-{i}.db") for i in range(2)]
    started = time.perf_counter()
    threads = [threading.Thread(target=autograde, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    TIMINGS["nbgrader autograde (2 processes) + 2 feedbacks"] = time.perf_counter() - started
    # exit 1 is expected for the half with the crash or the broken notebook; feedback must still run
    assert all(len(c) == 2 for c in codes.values()), codes

    theirs = {}
    for i, url in enumerate(db_urls):
        rows = gradebook.scores(root, db_url=url)
        theirs.update({s: rows[s] for s in halves[i]})
    ours = gradebook.scores(root)
    notebook_of = {g.name: g.notebook for g in course.graded}
    for student in STUDENTS:
        unscored = NBGRADER_CANNOT_FINISH.get(student, set())
        for function, score in theirs[student]["functions"].items():
            if notebook_of[function] in unscored:
                assert score is None, (student, function)
            else:
                assert score == pytest.approx(EXPECTED[student][function], abs=1e-4), (student, function)
        lost = sum(EXPECTED[student][f] for f in EXPECTED[student] if notebook_of[f] in unscored)
        if unscored:
            assert theirs[student]["raw_score"] == pytest.approx(ours[student]["raw_score"] - lost, abs=1e-3)
            assert theirs[student]["needs_manual_grade"]          # nbgrader flags what it could not grade
        else:
            for key in ("raw_score", "late_penalty", "score"):
                assert theirs[student][key] == pytest.approx(ours[student][key], abs=1e-3), (student, key)
    assert TOTAL["kim"] > 0 and theirs["kim"]["late_penalty"] == pytest.approx(TOTAL["kim"], abs=1e-3)

    # nbgrader's own feedback (demo config: ClearHiddenTests) shows no hidden-test source and no more
    # of the reference than our pages do
    records = {r.student: r for r in result.records}
    for student in feedback_for.values():
        pages = sorted((root / "nbgrader_feedback" / student / "fitting_models").glob("*.html"))
        assert pages
        for page in pages:
            text = page.read_text()
            assert_no_solution_or_hidden_test(text, f"nbgrader feedback {page}", submitted_text(root, student))
            assert_only_first_divergent_step(text, records[student], f"nbgrader feedback {page}")


def test_nbgrader_autograde_with_the_course_config_is_this_grader(demo):
    """The formgrader's Autograde button (nbgrader autograde with the course's nbgrader_config.py):
    the sandboxed grader instead of kernels, so the same scores and comments for the whole class,
    the crashed and the hanging student included, in seconds."""
    result, _ = demo
    root = result.root
    course_ = Course(root)
    url = _fresh_gradebook_copy(root, "nbgrader-sandboxed.db")
    started = time.perf_counter()
    codes = course_.run(course_.autograde(f"--CourseDirectory.db_url={url}", "--CourseDirectory.autograded_directory=button",
                                          "--force"), check=False, keep_going=True, label="autograde-button")
    TIMINGS["nbgrader autograde, the course's config (no kernels)"] = time.perf_counter() - started
    theirs, ours = gradebook.scores(root, db_url=url), gradebook.scores(root)
    for student in STUDENTS:
        # jo's 4_momentum is not JSON: nbgrader cannot read it and stops there (before 5_adam);
        # `grade --gradebook` grades it (test_formgrader_can_open_every_submission)
        broken = NBGRADER_CANNOT_FINISH["jo"] if student == "jo" else set()
        for function, score in theirs[student]["functions"].items():
            if course.graded_by_name[function].notebook in broken:
                assert score is None, (student, function)
            else:
                assert score == pytest.approx(ours[student]["functions"][function], abs=1e-6), (student, function)
    assert codes == [1]                                                    # jo's notebook, as nbgrader reports it
    from nbgrader.api import Gradebook
    with Gradebook(url, "fitting-models") as gb:
        comment = gb.find_comment("adam", "5_adam", "fitting_models", "cai").auto_comment
    assert comment.startswith("Autograder: ") and "no bias correction" in comment


def test_what_the_formgrader_shows_is_the_graders_not_the_students(demo, tmp_path):
    """The autograded/ copies: a student's own outputs (any HTML: a script in the TA's session)
    are cleared as nbgrader's ClearOutput does; cells with malformed nbgrader metadata do not stop
    the class's copies; the grader's report and points are in the hidden-test cells."""
    import subprocess
    from autograder.cycle.fabricate import make_submission
    result, _ = demo
    root = tmp_path / "course"
    shutil.copytree(result.root, root, ignore=shutil.ignore_patterns("kernel-*", "button", "nbgrader-*.db"))
    folder = root / "submitted" / "zed" / course.assignment
    make_submission(folder)
    path = folder / course.notebooks[0]
    nb = json.loads(path.read_text())
    script = "<script>fetch('/api/terminals', {method: 'POST'})</script>"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    code[0]["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {"text/html": script}}]
    code[1]["metadata"] = {"nbgrader": {"grade_id": 7, "solution": True}}
    path.write_text(json.dumps(nb))
    untouched = root / "autograded" / "ada" / course.assignment / course.notebooks[0]
    before = untouched.stat().st_mtime_ns
    assert "None" not in (root / "gradebook.db.recorded.json").read_text()     # the demo's stamps are real
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(root / "submitted"), "--gradebook"],
                          cwd=root, capture_output=True, text=True, env=dict(os.environ, FITTING_COURSE_ROOT=str(root)))
    assert done.returncode == 0, done.stderr[-2000:]
    shown = root / "autograded" / "zed" / course.assignment
    text = (shown / course.notebooks[0]).read_text()
    assert "<script>" not in text and "/api/terminals" not in text
    assert all((shown / nb).exists() for nb in course.notebooks)
    assert untouched.stat().st_mtime_ns == before           # unchanged submissions: nothing rewritten
    cell = next(c for c in json.loads(text)["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade_id") == "test_parabola_slope")
    assert "hidden cases passed" in "".join(cell["outputs"][0]["text"]) and cell["outputs"][1]["data"]["text/plain"]
