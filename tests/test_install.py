"""A non-editable install grades the course it is run in, not the repository.

The project is built and installed with pip (``pip install --no-deps --target SITE``, from a copy
of the working tree: a setuptools build writes ``build/`` and ``*.egg-info`` beside
``pyproject.toml``); a course directory elsewhere (``source/``, ``nbgrader_config.py``, assignment
generated there with ``nbgrader generate_assignment``) gets two submissions: that release with
every answer filled in from the source's solution cells, and the release as handed out (stubs). Run with ``PYTHONPATH=SITE`` (the virtualenv only
provides the dependencies) from that course:

- the package imported is the installed copy (its package data included), never the repository's;
- ``grade`` and ``grade --gradebook`` use THAT course's source: ``parabola_slope`` is worth 3 points
  there (1 in the repository), so the solutions score 42/42 and the stubs 0/42, in the results file
  and in that course's ``gradebook.db``;
- run from a folder inside the course, the results still go to the course's ``grading/``;
- errors are one line and exit 2: a missing folder, a folder without submissions, no course, a
  gradebook whose points disagree with the source;
- nothing is written into the repository.

Build: pip builds in an isolated environment (it installs ``build-system.requires``). With
``--no-build-isolation`` the virtualenv's own setuptools (65.5 here) fails on ``license = "MIT"``
(a PEP 639 licence expression needs setuptools >= 77, while pyproject.toml asks for >= 68):
``test_declared_build_backend_can_build_the_project`` says so until pyproject.toml is fixed.
"""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cycle.fabricate import make_submission

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "fitting_models"
EXTRA_POINTS = 2                       # parabola_slope: 1 point in the repository, 3 in the copy
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"}
# what a grader run in the repository would leave there
DATA = ("grading", "gradebook.db", "gradebook.db.lock", "gradebook.db.recorded.json", "autograded", "submitted",
        "feedback", "logs", "build", "downloaded", "fitting_models_autograder.egg-info")


def _walk(root):
    """What a grader run in the repository would change: its top-level entries, and every file (with
    its mtime) in the folders and files where nbgrader and the grader keep their data. (Not the
    whole tree: other work may be regenerating the release or the solutions meanwhile.)"""
    found = {name: None for name in os.listdir(root)}
    for name in DATA:
        path = Path(root, name)
        if path.is_file():
            found[name] = path.stat().st_mtime_ns
        for folder, dirs, files in os.walk(path):
            for entry in dirs + files:
                try:
                    found[str(Path(folder, entry).relative_to(root))] = Path(folder, entry).lstat().st_mtime_ns
                except OSError:
                    pass
    return found


def _project_files():
    """The working tree's files as git sees them (tracked or new, not ignored), without tests/."""
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                         capture_output=True, check=True).stdout.decode()
    return [f for f in out.split("\0") if f and not f.startswith("tests/") and (REPO / f).is_file()]


def _env(site):
    env = {k: v for k, v in os.environ.items() if k not in ("FITTING_COURSE_ROOT", "PYTHONPATH")}
    env["PYTHONPATH"] = str(site)
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")   # nbgrader runs alembic
    return env


def _run(site, *args, cwd, check=True):
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=_env(site), capture_output=True, text=True,
                          timeout=300)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return done


def _set_points(notebook, grade_id, change):
    data = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in data["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade_id") == grade_id:
            meta["points"] = meta["points"] + change
            notebook.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
            return meta["points"]
    raise LookupError(grade_id)


@pytest.fixture(scope="module")
def before():
    return _walk(REPO)


@pytest.fixture(scope="module")
def site(before, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    for name in _project_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, src / name)
    target = tmp / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                           "--target", str(target), str(src)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return target


@pytest.fixture(scope="module")
def course(site, tmp_path_factory):
    root = tmp_path_factory.mktemp("elsewhere") / "course"
    shutil.copytree(REPO / "source", root / "source", ignore=shutil.ignore_patterns(*SKIP_DIRS))
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    points = _set_points(root / "source" / ASSIGNMENT / "1_gradients.ipynb", "test_parabola_slope", EXTRA_POINTS)
    assert points == 3
    _run(site, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, cwd=root)
    release = root / "assignments" / ASSIGNMENT
    make_submission(root / "submitted" / "sol" / ASSIGNMENT, release=release)     # every answer correct
    shutil.copytree(release, root / "submitted" / "stub" / ASSIGNMENT)            # the release as handed out
    return root


@pytest.fixture(scope="module")
def graded(site, course):
    done = _run(site, "-m", "autograder", "grade", "submitted", "--gradebook", "--jobs", "2", cwd=course)
    results = json.loads((course / "grading" / "results.json").read_text())
    return done, {r["student"]: r for r in results["submissions"]}


def _max_score():
    from autograder.course import current
    return current().max_score + EXTRA_POINTS


def test_the_installed_copy_is_imported_with_its_package_data(site, course):
    done = _run(site, "-c", "import autograder, autograder.engine.hidden as h, autograder.exporters.feedback as f;"
                            "print(autograder.__file__); print(h.HERE); print(f.__file__)", cwd=course)
    lines = done.stdout.split()
    assert all(line.startswith(str(site) + os.sep) for line in lines), lines
    package = site / "autograder"
    for data in ("engine/hidden/pytest.ini", "exporters/feedback/page.css", "exporters/feedback/page.html.j2"):
        assert (package / data).is_file(), data
    assert not (package / "engine" / "hidden" / ".pytest_cache").exists()
    # a real install: no link back to the source tree
    assert not list(site.glob("__editable__*")) and not list(site.glob("*.pth")) and not list(site.glob("*.egg-link"))


def test_grade_uses_the_course_of_the_current_directory(graded, course):
    done, records = graded
    maximum = _max_score()
    assert sorted(records) == ["sol", "stub"]
    assert records["sol"]["max_score"] == maximum == 42
    assert records["sol"]["score"] == maximum
    assert records["stub"]["score"] == 0
    assert all(f["status"] == "not implemented" for f in records["stub"]["functions"])
    slope = next(f for f in records["sol"]["functions"] if f["function"] == "parabola_slope")
    assert slope["max_score"] == 1 + EXTRA_POINTS
    assert str(course.resolve()) in done.stdout                         # "recorded in the gradebook of <course>"
    assert re.search(rf"^sol\s+{maximum:.2f}/{maximum:.2f}", done.stdout, re.M), done.stdout
    assert re.search(rf"^stub\s+0\.00/{maximum:.2f}", done.stdout, re.M), done.stdout


def test_grade_records_the_scores_in_that_course_gradebook(graded, course):
    from autograder.exporters import gradebook
    rows = gradebook.scores(course)
    assert sorted(rows) == ["sol", "stub"]
    assert rows["sol"]["raw_score"] == pytest.approx(_max_score()) and rows["sol"]["max_score"] == _max_score()
    assert rows["stub"]["raw_score"] == 0
    assert rows["sol"]["functions"]["parabola_slope"] == 1 + EXTRA_POINTS
    assert (course / "autograded" / "sol" / ASSIGNMENT / "1_gradients.ipynb").is_file()


def test_results_go_to_the_course_from_a_subfolder(site, course, graded):
    inside = course / "submitted" / "sol" / ASSIGNMENT
    done = _run(site, "-m", "autograder", "grade", ".", cwd=inside)
    assert "already graded" in done.stdout                  # the course's ledger: the same submission, skipped
    assert f"results: {course.resolve() / 'grading' / 'results.json'}" in done.stdout
    assert not (inside / "grading").exists() and not (course / "submitted" / "sol" / "grading").exists()


def _one_line_error(done, pattern):
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = [line for line in done.stderr.strip().splitlines() if not line.startswith("[#")]   # progress bar
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in done.stdout + done.stderr


def test_errors_are_one_line_and_exit_2(site, course, graded, tmp_path):
    _one_line_error(_run(site, "-m", "autograder", "grade", "/nonexistent", cwd=course, check=False),
                    r"/nonexistent: no such folder")
    empty = tmp_path / "empty"
    (empty / "someone").mkdir(parents=True)
    (empty / "someone" / "notes.txt").write_text("no notebooks here")
    _one_line_error(_run(site, "-m", "autograder", "grade", str(empty), cwd=course, check=False),
                    r"no submissions found in .*empty")
    _one_line_error(_run(site, "-m", "autograder", "grade", str(course / "submitted"), cwd=tmp_path, check=False),
                    r"is not a course directory")
    assert not list(tmp_path.glob("grading"))


def test_a_stale_gradebook_is_one_line_and_exit_2(site, course, graded, tmp_path):
    notebook = course / "source" / ASSIGNMENT / "1_gradients.ipynb"
    original = notebook.read_bytes()
    try:
        _set_points(notebook, "test_parabola_slope", 1)          # edited, without generate_assignment
        done = _run(site, "-m", "autograder", "grade", "submitted/sol", "--gradebook", "--force",
                    "--json", str(tmp_path / "r.json"), cwd=course, check=False)
    finally:
        notebook.write_bytes(original)
    _one_line_error(done, r"scores NOT recorded in the gradebook: test_parabola_slope is worth 3 points in the "
                          r"gradebook but 4 in the grader")
    from autograder.exporters import gradebook
    assert gradebook.scores(course)["sol"]["raw_score"] == pytest.approx(_max_score())     # untouched


def test_nothing_is_written_into_the_repository(before, graded):
    after = _walk(REPO)
    new = sorted(set(after) - set(before))
    assert not new, f"created in the repository: {new[:20]}"
    touched = sorted(p for p in after if after[p] != before.get(p))
    assert not touched, f"changed in the repository: {touched[:20]}"


def test_declared_build_backend_can_build_the_project():
    import tomllib
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    requires = project["build-system"]["requires"]
    minimum = next(int(m.group(1)) for r in requires if (m := re.fullmatch(r"setuptools\s*>=\s*(\d+).*", r)))
    if isinstance(project["project"].get("license"), str):
        assert minimum >= 77, requires
