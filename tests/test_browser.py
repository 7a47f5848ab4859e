"""End to end through the real UIs: JupyterLab 4 with nbgrader 0.9.6's formgrader and Assignment
List, in headless Chromium driven by selenium (no mocks), on the demo course (``run_demo``: 12
students graded by this grader and recorded with ``--gradebook``'s code path).

1. Formgrader: Manage Submissions lists every student as graded with the gradebook's score; the
   student's notebook list has the gradebook's score per notebook; every submission page of every
   student and notebook (ids from ``/formgrader/api/submitted_notebooks``) answers 200 and shows, in
   each hidden-test cell, the grader's report and its auto score (hana's crash, jo's broken
   notebook with the first cell explaining it).
2. A TA types a manual score and a comment into two submission pages (ben's line search, hana's
   crashed Adam); the instructor re-runs ``python -m autograder grade submitted --gradebook`` in the
   course directory (ben has handed in one more file meanwhile, so his record is certainly written
   again): manual scores and comments survive, the grader's auto comments are there, the
   formgrader shows all of it, ben's cell is flagged for the TA to look at again.
3. A student's JupyterLab (own home, student nbgrader_config.py): Assignment List, Fetch, Validate on
   a stub fails, Validate after putting the solution's answers in passes, Submit lands in the
   exchange's inbound.

Screenshots go to the module's temporary folder (printed at the end of the module).
"""
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from . import browser

pytestmark = pytest.mark.slow

_why_not = browser.missing()
if _why_not:
    if os.environ.get("FITTING_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"FITTING_REQUIRE_BROWSER=1 but the browser tests cannot run: {_why_not}")
    pytest.skip(f"browser tests skipped: {_why_not}", allow_module_level=True)

from selenium.webdriver.common.by import By                      # noqa: E402
from selenium.webdriver.common.keys import Keys                  # noqa: E402

from autograder.cycle.commands import Course, Student            # noqa: E402
from autograder.cycle.demo import CLASS, run_demo                # noqa: E402
from autograder.exporters import gradebook                       # noqa: E402
from autograder.exporters.text import function_report            # noqa: E402

from .helpers import COURSE, MAX, POINTS                        # noqa: E402

ASSIGNMENT = COURSE.assignment
NOTEBOOKS = [Path(n).stem for n in COURSE.notebooks]
GRADED = {nb: [g for g in COURSE.graded if Path(g.notebook).stem == nb] for nb in NOTEBOOKS}
STUDENTS = sorted(s.id for s in CLASS)
TIMES = {}
SHOTS = []
# what the browser must not fetch (no network here; a blocked request fails at once, not after a timeout)
BLOCKED = ["*cdnjs.cloudflare.com*", "*jupyter.org*", "*pypi.org*", "*github.com*"]
NEW_STUDENT = "zoe"                 # not in the demo class: a student of the next cohort, say
NO_NEWS = {"fetchNews": "false", "checkForUpdates": False}


def shot(driver, folder, name):
    path = Path(folder) / f"{len(SHOTS) + 1:02d}-{name}.png"
    driver.save_screenshot(str(path))
    SHOTS.append(path)
    return path


def quiet_home(home):
    """A HOME whose JupyterLab settings say: no news, no update checks (no pop-up over the page)."""
    settings = Path(home) / ".jupyter/lab/user-settings/@jupyterlab/apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps(NO_NEWS))
    return home


def open_chrome(folder):
    driver = browser.chrome(folder)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": BLOCKED})
    return driver


def open_lab(driver, lab):
    """JupyterLab's main page, with nbgrader's menu loaded."""
    driver.get(lab.url("lab", token=True))
    browser.wait(driver, 60).until(lambda d: [e for e in d.find_elements(
        By.CSS_SELECTOR, "#jp-MainMenu .lm-MenuBar-itemLabel") if e.text == "Nbgrader"])


def nbgrader_menu(driver, command):
    """Nbgrader menu -> an item (``formgrader``, ``assignment-list``), as a user clicks it."""
    label = next(e for e in driver.find_elements(By.CSS_SELECTOR, "#jp-MainMenu .lm-MenuBar-itemLabel")
                 if e.text == "Nbgrader")
    label.click()
    browser.clickable(driver, f'#jp-mainmenu-nbgrader li[data-command="nbgrader:open-{command}"]').click()


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def work(tmp_path_factory):
    """This module's folder: the demo course, the servers' homes, profiles, logs and screenshots."""
    folder = tmp_path_factory.mktemp("browser")
    (folder / "shots").mkdir()
    return folder


def start_role(lab, profile):
    """Start ``lab``, a browser, and JupyterLab's page in it; (lab, driver)."""
    lab.start()
    try:
        driver = open_chrome(profile)
        try:
            open_lab(driver, lab)
        except BaseException:
            driver.quit()
            raise
    except BaseException:
        lab.stop()
        raise
    return lab, driver


@pytest.fixture(scope="module")
def student_lab(work):
    """The student's JupyterLab (in their home) and browser, started in the background while the demo
    runs: nbgrader's Assignment List and Validate read the student's nbgrader_config.py at each
    request, so ``student`` writes it once the demo course (and its exchange) exists."""
    home = quiet_home(work / NEW_STUDENT)
    lab = browser.JupyterLab(home, home, unset=("FITTING_COURSE_ROOT",), log=work / "student-lab.log")
    pool = ThreadPoolExecutor(1)
    started = time.perf_counter()
    future = pool.submit(start_role, lab, work / "student-profile")
    future.add_done_callback(lambda _: TIMES.setdefault("student lab up (during the demo)",
                                                        time.perf_counter() - started))
    try:
        yield future
    finally:
        pool.shutdown(wait=True)
        if future.done() and not future.exception():
            future.result()[1].quit()
        lab.stop()


@pytest.fixture(scope="module")
def demo(work, student_lab):
    old_path = os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + old_path     # nbgrader runs alembic
    lines = []
    started = time.perf_counter()
    try:
        result = run_demo(work / "course", jobs=2, say=lines.append)
        TIMES["demo"] = time.perf_counter() - started
        yield result
    finally:
        os.environ["PATH"] = old_path
        print("\n" + "\n".join(f"{k}: {v:.1f} s" for k, v in TIMES.items()))
        if SHOTS:
            print(f"screenshots: {SHOTS[0].parent}/ ({len(SHOTS)})")


@pytest.fixture(scope="module")
def records(demo):
    return {r.student: r for r in demo.records}


@pytest.fixture(scope="module")
def instructor(demo, work):
    """The instructor's JupyterLab, started in the course directory, and its browser."""
    started = time.perf_counter()
    lab = browser.JupyterLab(demo.root, quiet_home(work / "instructor-home"), unset=("FITTING_COURSE_ROOT",),
                             log=work / "instructor-lab.log")
    lab, driver = start_role(lab, work / "instructor-profile")
    TIMES["instructor lab up"] = time.perf_counter() - started
    try:
        yield lab, driver
    finally:
        driver.quit()
        lab.stop()


@pytest.fixture(scope="module")
def student(demo, work, student_lab):
    """(lab, driver, commands.Student): the student's home set up as ``commands.Student`` does (course
    id, the demo's exchange), plus the student id and a cache of their own (as a JupyterHub gives:
    the user name, a home)."""
    account = Student(Course(demo.root), NEW_STUDENT, home=work / NEW_STUDENT).setup()
    config = account.home / "nbgrader_config.py"
    config.write_text(config.read_text() + f"c.CourseDirectory.student_id = {NEW_STUDENT!r}\n"
                                           f"c.Exchange.cache = {str(account.cache)!r}\n")
    lab, driver = student_lab.result(timeout=120)
    return lab, driver, account


def table(driver, css="#main-table tr"):
    """The rows of a formgrader table: [[cell text...]...]."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map("
        "  tr => Array.from(tr.querySelectorAll('td')).map(td => td.innerText.trim()));", css)


def points(value):
    """A score as the formgrader shows it (JavaScript's rounding to 2 decimals, no trailing zeros)."""
    return f"{round(float(value) + 1e-12, 2):g}"


# A submission page, read in one round trip: the HTTP status of the page itself, the panel's title,
# the first cell's text, and per grade cell its stdout, its value, and the score input's placeholder
# (the auto score, set by the page's own JavaScript from the grades API) and value (a manual score).
READ_PAGE = """
const nav = performance.getEntriesByType('navigation')[0];
const cells = {};
for (const input of document.querySelectorAll('input.score')) {
  const cell = input.closest('div.cell');
  const out = sel => Array.from(cell.querySelectorAll(sel)).map(e => e.innerText).join('');
  cells[input.id] = {stdout: out('.output_stdout pre'), value: out('.output_execute_result pre'),
                     placeholder: input.getAttribute('placeholder'), score: input.value};
}
const comments = {};
for (const box of document.querySelectorAll('textarea.comment')) {
  comments[box.id] = {value: box.value, placeholder: box.getAttribute('placeholder')};
}
const first = document.querySelector('#notebook-container .cell');
return {status: nav ? nav.responseStatus : null, title: document.title,
        heading: (document.querySelector('.panel-heading .panel-title') || {}).innerText || '',
        first: first ? first.innerText : '', cells: cells, comments: comments,
        student: (document.querySelector('a.name-shown') || {}).textContent || ''};
"""


# offline, every submission page fails to load MathJax from cdnjs (blocked here) and formgrade.js
# then stops at its first use of it: expected, anything else is not
OFFLINE = ("MathJax is not defined", "cdnjs.cloudflare.com", "ERR_BLOCKED_BY_CLIENT")


def page_errors(driver):
    """The browser's errors since the last call, but the expected offline ones."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and not any(known in e["message"] for known in OFFLINE)]


def load_submission(driver, lab, submission_id):
    driver.get(lab.url(f"formgrader/submissions/{submission_id}/"))
    page_ready(driver)
    return driver.execute_script(READ_PAGE)


def page_ready(driver):
    """A submission page whose grades and comments the page's JavaScript has loaded from the API.
    (Not ``formgrader.loaded``: offline, formgrade.js stops half-way through its init on the missing
    MathJax from cdnjs.cloudflare.com, after starting to load grades and comments.)"""
    browser.wait(driver, 30).until(lambda d: d.execute_script(
        "return document.readyState === 'complete' && window.formgrader && formgrader.grades"
        " && formgrader.grades.loaded && formgrader.comments && formgrader.comments.loaded"))


def scroll_to(driver, css):
    driver.execute_script("document.querySelector(arguments[0]).closest('div.cell')"
                          ".scrollIntoView({block: 'center'});", css)


def notebook_scores(row):
    """{notebook: total of its functions' scores} from a gradebook.scores() row."""
    by_function = row["functions"]
    return {nb: sum(by_function[g.name] for g in GRADED[nb]) for nb in NOTEBOOKS}


# ------------------------------------------------------------------ 1. formgrader after our grader
def test_formgrader_shows_every_submission_as_the_gradebook_has_it(demo, records, instructor, work):
    lab, driver = instructor
    scores = gradebook.scores(demo.root)
    assert sorted(scores) == STUDENTS
    started = time.perf_counter()

    # Nbgrader menu -> Formgrader -> Manage Assignments -> the number of submissions -> Manage Submissions
    nbgrader_menu(driver, "formgrader")
    frame = browser.visible(driver, '#jp-main-dock-panel iframe[src*="formgrader"]')
    driver.switch_to.frame(frame)
    browser.clickable(driver, "td.num-submissions a").click()
    # nbgrader links a student's name only once the submission is autograded (autograded/ exists)
    browser.wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "td.student-name a")) == len(STUDENTS))
    rows = {r[1]: r for r in table(driver)}
    driver.switch_to.default_content()
    shot(driver, work / "shots", "manage-submissions")
    driver.switch_to.frame(frame)
    assert sorted(rows) == STUDENTS
    for student, row in rows.items():
        name, _, stamp, status, score = row[:5]
        assert status == "graded", (student, row)
        assert score == f"{points(scores[student]['raw_score'])} / {points(scores[student]['max_score'])}", \
            (student, row, scores[student])
        assert stamp == f"{scores[student]['timestamp']:%Y-%m-%d %H:%M:%S} UTC", (student, row)
    assert rows["hana"][4] == f"{points(MAX - POINTS['adam'])} / {points(MAX)}"          # adam's points lost
    assert rows["ada"][4] == "40 / 40" and rows["ben"][4] == "39.17 / 40"
    # nbgrader's Score column is the raw score: kim's late submission shows 38 / 40, while the
    # gradebook's late penalty ("zero" in the demo course) makes it 0 in `nbgrader export`
    assert rows["kim"][4] == f"{points(MAX - POINTS['gradient_descent'])} / 40" and scores["kim"]["score"] == 0

    # -> a student (hana, whose adam crashed) -> her notebooks with the gradebook's score each
    driver.find_element(By.LINK_TEXT, "Sato, Hana").click()
    browser.wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#main-table td.name a"))
                               == len(NOTEBOOKS))
    per_notebook = {r[0]: r[1] for r in table(driver)}
    expected = notebook_scores(scores["hana"])
    assert per_notebook == {nb: f"{points(expected[nb])} / {points(sum(g.points for g in GRADED[nb]))}"
                            for nb in NOTEBOOKS}
    assert per_notebook["5_adam"] == "3 / 8"              # adam's 5 points lost, normalised gradients kept
    # -> a notebook: the submission page, inside the formgrader tab
    driver.find_element(By.LINK_TEXT, "5_adam").click()
    page_ready(driver)
    page = driver.execute_script(READ_PAGE)
    scroll_to(driver, "#test_adam")
    driver.switch_to.default_content()
    shot(driver, work / "shots", "hana-5_adam-in-lab")
    assert page["status"] == 200 and "5_adam" in page["heading"]
    assert "Sato, Hana" in page["student"]
    assert "adam: 0/" in page["cells"]["test_adam"]["stdout"]
    assert "the process running your code ended" in page["cells"]["test_adam"]["stdout"]
    TIMES["formgrader click-through"] = time.perf_counter() - started

    # every submission page of every notebook, straight in the browser
    started = time.perf_counter()
    seen, ids = {}, {}
    for nb in NOTEBOOKS:
        listed = lab.get(f"formgrader/api/submitted_notebooks/{ASSIGNMENT}/{nb}")
        assert sorted(s["student"] for s in listed) == STUDENTS, nb
        for sub in listed:
            student = sub["student"]
            page = load_submission(driver, lab, sub["id"])
            seen[student, nb], ids[student, nb] = page, sub["id"]
            where = f"{student}/{nb} (/formgrader/submissions/{sub['id']}/)"
            assert page["status"] == 200, where
            assert page["title"] == nb, where
            assert f"Submission {sub['index'] + 1} / {len(STUDENTS)}" in page["heading"], where
            assert sorted(page["cells"]) == sorted(f"test_{g.name}" for g in GRADED[nb]), where
            record = records[student]
            for g in GRADED[nb]:
                cell = page["cells"][f"test_{g.name}"]
                function = record.function(g.name)
                auto = scores[student]["functions"][g.name]
                report = function_report(function, record.cases_of(g.name))
                assert cell["stdout"].strip() == report.strip(), (where, g.name)
                assert cell["stdout"].startswith(f"{g.name}: {function.passed}/{function.cases} hidden cases passed, "
                                                 f"{auto:.2f} of {g.points:.2f} point"), (where, g.name)
                assert float(cell["value"]) == pytest.approx(auto), (where, g.name)
                assert float(cell["placeholder"]) == pytest.approx(auto), (where, g.name)   # the gradebook's
                assert cell["score"] == "", (where, g.name)                                  # no manual score yet
            for g in GRADED[nb]:                 # each function's solution cell has the grader's comment
                comment = page["comments"].get(f"{g.name}-comment")
                assert comment is not None and comment["placeholder"].startswith("Autograder: "), (where, g.name)
    TIMES[f"{len(seen)} submission pages"] = time.perf_counter() - started
    assert len(seen) == len(STUDENTS) * len(NOTEBOOKS)
    errors = page_errors(driver)
    assert not errors, errors                             # no page broke in the browser either

    # the crash and the broken notebook, specifically
    hana = seen["hana", "5_adam"]["cells"]["test_adam"]["stdout"]
    assert hana.startswith("adam: 0/")
    assert hana.count("the process running your code ended") == records["hana"].function("adam").cases   # each case
    jo = seen["jo", "4_momentum"]
    assert jo["first"].startswith("This notebook could not be graded as handed in: 4_momentum.ipynb is not a valid "
                                  "notebook"), jo["first"]
    for name in ("sgd_momentum", "sgd_nesterov"):
        assert jo["cells"][f"test_{name}"]["stdout"].startswith(f"{name}: 0/"), jo["cells"][f"test_{name}"]
        assert float(jo["cells"][f"test_{name}"]["value"]) == 0.0
    assert not seen["jo", "3_sgd"]["first"].startswith("This notebook could not be graded")    # only the broken one
    assert seen["ada", "5_adam"]["cells"]["test_adam"]["stdout"].startswith("adam: 6/6 hidden cases passed, 5.00 of")
    load_submission(driver, lab, ids["jo", "4_momentum"])
    shot(driver, work / "shots", "jo-4_momentum")


# ------------------------------------------------------------------ 2. a TA's grading survives a regrade
TA = {  # (student, notebook, function): (manual score typed, comment typed)
    ("ben", "2_gradient_descent", "line_search"):
        ("3", "TA: the <= in rule 2 only matters on exact ties, which the lecture never asks about: full credit."),
    ("hana", "5_adam", "adam"):
        ("1.5", "TA: the update rule is right; the os._exit(1) left in from debugging crashed it. 1.5 for the method."),
}


def db(root):
    from nbgrader.api import Gradebook
    return Gradebook(f"sqlite:///{root / 'gradebook.db'}")


def submission_id(lab, student, notebook):
    return next(s["id"] for s in lab.get(f"formgrader/api/submitted_notebooks/{ASSIGNMENT}/{notebook}")
                if s["student"] == student)


def type_into(driver, css, text):
    """Click a field, select what it holds, type ``text``; leaving the field (the next click) saves it."""
    field = browser.clickable(driver, css)
    settle(driver)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", field)   # not under the navbar
    field.click()
    settle(driver)                        # the page scrolls to a focused field (a 0.5 s animation)
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text)
    return field


def click_away(driver, css):
    """Click the source of the cell holding ``css`` (nothing there takes the focus)."""
    settle(driver)
    code = driver.find_element(By.CSS_SELECTOR, css).find_element(
        By.XPATH, "ancestor::div[contains(@class, 'nbgrader_cell')]//div[contains(@class, 'input_area')]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", code)
    code.click()


def settle(driver):
    """Wait for the formgrader's scrolling animation (jQuery) to end."""
    browser.wait(driver).until(lambda d: d.execute_script(
        "return !window.jQuery || !jQuery('body, html').is(':animated');"))


def test_ta_grading_survives_the_grader_rerun(demo, records, instructor, work):
    lab, driver = instructor
    root = demo.root
    before = gradebook.scores(root)
    started = time.perf_counter()
    for (student, nb, function), (score, comment) in TA.items():
        load_submission(driver, lab, submission_id(lab, student, nb))
        scroll_to(driver, f"#test_{function}")
        type_into(driver, f"#test_{function}", score)
        type_into(driver, f"#{function}-comment", comment)           # leaving the score saves the score
        click_away(driver, f"#test_{function}")                       # ... and leaving the comment, the comment
        browser.wait(driver, 20).until(lambda d: ta_saved(root, student, nb, function, score, comment))
        scroll_to(driver, f"#{function}-comment")
        shot(driver, work / "shots", f"ta-typed-{student}-{nb}")
    TIMES["TA grading in the browser"] = time.perf_counter() - started

    # ben hands in once more (same notebooks, plus a file), as `nbgrader collect --update` puts it in
    # submitted/: his submission's fingerprint changes, so the rerun writes his record again whatever
    # the demo recorded (hana's submission does not change)
    (root / "submitted" / "ben" / ASSIGNMENT / "notes.txt").write_text("I forgot my notes.\n")
    ben_copy = root / "autograded" / "ben" / ASSIGNMENT / "2_gradient_descent.ipynb"
    ben_written = ben_copy.stat().st_mtime_ns

    started = time.perf_counter()
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    env.pop("FITTING_COURSE_ROOT", None)                  # the course is where the instructor is
    done = subprocess.run([sys.executable, "-m", "autograder", "grade", "submitted", "--gradebook", "--jobs", "2"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    TIMES["grade --gradebook (CLI)"] = time.perf_counter() - started
    assert done.returncode == 0, done.stdout + done.stderr
    assert "scores recorded in the nbgrader gradebook" in done.stdout, done.stdout
    assert ben_copy.stat().st_mtime_ns != ben_written              # ben was recorded again

    after = gradebook.scores(root)
    with db(root) as gb:
        for (student, nb, function), (score, comment) in TA.items():
            grade = gb.find_grade(f"test_{function}", nb, ASSIGNMENT, student)
            note = gb.find_comment(function, nb, ASSIGNMENT, student)
            assert grade.manual_score == float(score), (student, function)
            assert grade.auto_score == pytest.approx(before[student]["functions"][function])
            assert grade.score == float(score)
            assert note.manual_comment == comment, (student, function)
            f = records[student].function(function)
            assert note.auto_comment.startswith(
                f"Autograder: {f.passed}/{f.cases} hidden cases passed "
                f"({float(f.score):.2f} of {float(f.max_score):.2f} points)."), note.auto_comment
            if f.mistake:
                assert f"Known mistake: {f.mistake.name}." in note.auto_comment
        ben = gb.find_grade("test_line_search", "2_gradient_descent", ASSIGNMENT, "ben")
        assert ben.needs_manual_grade          # recorded again over a manual score: the TA should look again
    for student, row in after.items():         # everyone else: the same scores as before
        if student not in {s for s, _, _ in TA}:
            assert row["raw_score"] == pytest.approx(before[student]["raw_score"]) and \
                row["functions"] == pytest.approx(before[student]["functions"]), student
    expected_raw = {s: before[s]["raw_score"] - before[s]["functions"][f] + float(score)
                    for (s, _, f), (score, _) in TA.items()}
    assert expected_raw["ben"] == pytest.approx(before["ben"]["raw_score"] + 1 / 3)    # 2.67 -> 3 of 3
    assert expected_raw["hana"] == pytest.approx(36.5)

    # what the formgrader shows now: the TA's score and comment in the fields, the grader's comment
    # behind it (the comment box's placeholder), ben flagged, the totals with the manual scores
    for (student, nb, function), (score, comment) in TA.items():
        page = load_submission(driver, lab, submission_id(lab, student, nb))
        cell, box = page["cells"][f"test_{function}"], page["comments"][f"{function}-comment"]
        assert float(cell["score"]) == float(score) and float(cell["placeholder"]) == pytest.approx(
            before[student]["functions"][function]), cell
        assert box["value"] == comment and box["placeholder"].startswith("Autograder: "), box
        assert f"{function}: " in cell["stdout"] and "hidden cases passed" in cell["stdout"]
        if student == "ben":
            resolve = driver.find_element(By.CSS_SELECTOR, f"#test_{function}")
            resolve = resolve.find_element(By.XPATH, "ancestor::div[contains(@class,'nbgrader_cell')]"
                                                     "//button[contains(@class,'mark-graded')]")
            assert resolve.is_displayed()            # nbgrader's "Resolve" button for a flagged cell
            scroll_to(driver, f"#test_{function}")
            shot(driver, work / "shots", f"ta-after-rerun-{student}-{nb}")
    driver.get(lab.url(f"formgrader/manage_submissions/{ASSIGNMENT}"))
    browser.wait(driver).until(lambda d: len(table(d)) == len(STUDENTS) and all(len(r) > 4 for r in table(d)))
    rows = {r[1]: r for r in table(driver)}
    shot(driver, work / "shots", "manage-submissions-after-rerun")
    for student in ("ben", "hana"):
        assert rows[student][4] == f"{points(expected_raw[student])} / 40", rows[student]
        assert after[student]["raw_score"] == pytest.approx(expected_raw[student])
    assert rows["ben"][3] == "needs manual grading"
    assert rows["ada"][3] == "graded" and rows["ada"][4] == "40 / 40"


def ta_saved(root, student, nb, function, score, comment):
    with db(root) as gb:
        grade = gb.find_grade(f"test_{function}", nb, ASSIGNMENT, student)
        note = gb.find_comment(function, nb, ASSIGNMENT, student)
        return grade.manual_score == float(score) and note.manual_comment == comment


# ------------------------------------------------------------------ 3. the student's side
def assignment_rows(driver, name):
    return driver.find_elements(By.CSS_SELECTOR, f"#{name}_assignments_list > .list_item")


def list_loaded(driver, name, count):
    """The Assignment List's ``name`` list (released, fetched, submitted) shows ``count`` rows."""
    browser.wait(driver, 30).until(lambda d: not any(
        e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, f"#{name}_assignments_list_loading")) and
        len(assignment_rows(d, name)) == count)
    return assignment_rows(driver, name)


def button(row, text):
    return next(b for b in row.find_elements(By.CSS_SELECTOR, ".item_status button") if b.text.strip() == text)


def validate(driver, notebook, timeout=90):
    """Click Validate on ``notebook`` of the expanded fetched assignment; (kind, text, dialog) of the
    dialog nbgrader opens: kind "success" (nbgrader-SuccessDialog) or "error" (nbgrader-ErrorDialog)."""
    row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "#fetched_assignments_list .list_item")
               if r.find_elements(By.CSS_SELECTOR, ".item_name") and
               r.find_element(By.CSS_SELECTOR, ".item_name").text.strip() == notebook)
    button(row, "Validate").click()
    dialog = browser.wait(driver, timeout).until(lambda d: d.find_elements(
        By.CSS_SELECTOR, ".nbgrader-ErrorDialog, .nbgrader-SuccessDialog"))[0]
    kind = "success" if "nbgrader-SuccessDialog" in dialog.get_attribute("class") else "error"
    text = dialog.find_element(By.CSS_SELECTOR, ".jp-Dialog-body").text
    return kind, text, dialog


def close(driver, dialog, name):
    """Screenshot the dialog, click its button, wait until it is gone."""
    shot(driver, name[0], name[1])
    dialog.find_element(By.CSS_SELECTOR, "button.jp-Dialog-button").click()
    browser.wait(driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".jp-Dialog"))


def with_answers_from_the_solution(stub_path, notebook):
    """The student's notebook with every answer cell as in the course's solution (the student's own
    copy otherwise, locked cells untouched, no outputs): what a student who solved it saves. The
    solutions/ notebook itself also holds the hidden tests, which students never get."""
    nb = nbformat.read(stub_path, as_version=4)
    solution = nbformat.read(COURSE.solutions / f"{notebook}.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    filled = 0
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = answers[grade_id]
            filled += 1
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    assert filled == len(GRADED[notebook])
    return nb


def test_student_fetches_validates_and_submits(demo, student, work):
    lab, driver, account = student
    shots = work / "shots"
    notebook = "4_momentum"
    inbound = demo.root / "exchange" / "fitting-models" / "inbound"
    before = set(os.listdir(inbound))
    started = time.perf_counter()

    nbgrader_menu(driver, "assignment-list")
    released = list_loaded(driver, "released", 1)
    assert released[0].find_element(By.CSS_SELECTOR, ".item_name").text == ASSIGNMENT
    assert released[0].find_element(By.CSS_SELECTOR, ".item_course").text == "fitting-models"
    shot(driver, shots, "student-assignment-list")
    button(released[0], "Fetch").click()
    fetched = list_loaded(driver, "fetched", 1)
    list_loaded(driver, "released", 0)
    folder = account.folder
    assert sorted(p.name for p in folder.glob("*.ipynb")) == list(COURSE.notebooks)
    stub = (folder / f"{notebook}.ipynb").read_bytes()
    assert stub == (COURSE.release / f"{notebook}.ipynb").read_bytes()     # the release, untouched

    fetched[0].find_element(By.XPATH, f".//a[normalize-space()='{ASSIGNMENT}']").click()
    browser.wait(driver).until(lambda d: [r for r in d.find_elements(
        By.CSS_SELECTOR, "#fetched_assignments_list .list_item .item_name") if r.text.strip() == notebook])
    TIMES["student: list and fetch"] = time.perf_counter() - started

    started = time.perf_counter()
    kind, text, dialog = validate(driver, notebook)
    TIMES["student: validate a stub"] = time.perf_counter() - started
    assert kind == "error", text
    assert "Success! Your notebook passes all the tests" not in text
    # nbgrader validate reports grade cells only: each hidden-test cell's guard (fitting_tools.validated)
    # fails because the check cell above it did not pass, and says why (the stub's NotImplementedError)
    assert text.count("The following cell failed:") == len(GRADED[notebook]), text
    for g in GRADED[notebook]:
        assert f"AssertionError: {g.name} is not implemented yet" in text, text
    close(driver, dialog, (shots, "student-validate-stub"))

    solved = with_answers_from_the_solution(folder / f"{notebook}.ipynb", notebook)
    nbformat.write(solved, folder / f"{notebook}.ipynb")                  # what the student saves
    assert (folder / f"{notebook}.ipynb").read_bytes() != stub
    started = time.perf_counter()
    kind, text, dialog = validate(driver, notebook)
    TIMES["student: validate the solved notebook"] = time.perf_counter() - started
    assert kind == "success", text
    assert text.strip() == "Success! Your notebook passes all the tests."
    close(driver, dialog, (shots, "student-validate-solved"))

    started = time.perf_counter()
    button(list_loaded(driver, "fetched", 1)[0], "Submit").click()
    submitted = list_loaded(driver, "submitted", 1)
    assert submitted[0].find_element(By.CSS_SELECTOR, ".item_name").text == ASSIGNMENT
    shot(driver, shots, "student-submitted")
    TIMES["student: submit"] = time.perf_counter() - started
    new = sorted(set(os.listdir(inbound)) - before)
    assert len(new) == 1 and re.fullmatch(rf"{NEW_STUDENT}\+{ASSIGNMENT}\+[^+]+ UTC\+[^+]+", new[0]), new
    handed_in = inbound / new[0]
    assert sorted(p.name for p in handed_in.glob("*.ipynb")) == list(COURSE.notebooks)
    assert (handed_in / f"{notebook}.ipynb").read_bytes() == (folder / f"{notebook}.ipynb").read_bytes()
    assert (handed_in / "3_sgd.ipynb").read_bytes() == (COURSE.release / "3_sgd.ipynb").read_bytes()
