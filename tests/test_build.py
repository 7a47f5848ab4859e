"""The generated folders: fresh (regenerating changes nothing that matters), solutions pass every
visible and hidden test cell, stubs fail every check of their function, and nothing in the release
gives away a solution or a hidden test."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.cycle import build

from .helpers import COURSE as course

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """A temporary course regenerated from source/ with the real nbgrader (executes the solutions)."""
    root = tmp_path_factory.mktemp("course")
    shutil.copytree(course.root / "source", root / "source", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(course.root / "nbgrader_config.py", root)
    build.generate(root)
    return root


def test_generated_folders_are_fresh(rebuilt):
    stale = {top: build.differences(course.root / top / course.assignment, rebuilt / top / course.assignment)
             for top in build.GENERATED}
    assert stale == {"assignments": [], "solutions": []}, "run `python -m autograder build` and commit"


def test_freshness_check_can_fail(rebuilt, tmp_path):
    copy = tmp_path / "release"
    shutil.copytree(rebuilt / "assignments" / course.assignment, copy)
    nb = json.loads((copy / "3_sgd.ipynb").read_text())
    nb["cells"][5]["source"] = "print('edited by hand')"
    (copy / "3_sgd.ipynb").write_text(json.dumps(nb))
    assert build.differences(rebuilt / "assignments" / course.assignment, copy) == ["3_sgd.ipynb"]


def test_solutions_pass_every_visible_and_hidden_test_cell(rebuilt):
    graded = {g.name: g.points for g in course.graded}
    seen = {}
    for path in sorted((rebuilt / "solutions" / course.assignment).glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            outputs = cell.get("outputs", [])
            assert not [o for o in outputs if o["output_type"] == "error"], (path.name, cell["source"][:80])
            assert not [o for o in outputs if o.get("name") == "stderr"], (path.name, cell["source"][:80])
            grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id", "")
            if grade_id.startswith("test_"):
                value = [o["data"]["text/plain"] for o in outputs if o["output_type"] == "execute_result"]
                seen[grade_id[len("test_"):]] = float("".join(value[0]))
    assert seen == graded


def test_stubs_fail_every_visible_check_saying_not_implemented(tmp_path):
    release = tmp_path / "release"
    shutil.copytree(course.release, release)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rf"], cwd=release,
                          capture_output=True, text=True, env=dict(os.environ, COLUMNS="200"))
    assert done.returncode == 1
    assert f"{len(course.graded)} failed" in done.stdout
    failures = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failures) == len(course.graded) and all("not implemented yet" in f for f in failures)
    assert "hidden tests" in done.stdout and "were not run" in done.stdout


def test_a_correct_submission_passes_every_visible_check(tmp_path):
    from autograder.cycle.fabricate import make_submission
    make_submission(tmp_path / "s")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path / "s",
                          capture_output=True, text=True)
    assert done.returncode == 0 and f"{len(course.graded)} passed" in done.stdout, done.stdout


def solution_lines():
    """The lines between the solution markers of the source notebooks (what students must write)."""
    found = set()
    for path in sorted(course.source.glob("*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            text = "".join(cell["source"])
            for region in text.split("### BEGIN SOLUTION")[1:]:
                found |= {line.strip() for line in region.split("### END SOLUTION")[0].splitlines() if line.strip()}
    return found


def test_release_has_no_solution_code_and_no_hidden_tests():
    code = []
    for path in Path(course.release).iterdir():
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "BEGIN HIDDEN TESTS" not in text, path.name
        assert "autograder" not in text, path.name
        if path.suffix == ".ipynb":
            code += [line.strip() for cell in json.loads(text)["cells"] if cell["cell_type"] == "code"
                     for line in "".join(cell["source"]).splitlines()]
    leaked = solution_lines() & set(code)
    assert leaked <= {"return np.array(path)", "path.append(phi)", "path = [phi.copy()]",
                      "phi = np.array(phi0, dtype=float)"}, leaked
