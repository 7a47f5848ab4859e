"""Regenerate the student release and the solutions from source/ with nbgrader, and check freshness.

    python -m autograder build          # nbgrader generate_assignment + generate_solution
    python -m autograder build --check  # rebuild in a temporary copy; exit 1 if anything differs

What must not drift: every notebook's cells (type, source, nbgrader metadata) and every other file.
Execution outputs (plots) are not compared: they may differ byte for byte between runs.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .. import course as _course

GENERATED = ("assignments", "solutions")


def nbgrader(*args, root=None, check=True):
    """Run a real nbgrader command in the course directory ``root``."""
    root = Path(root or _course.current().root)
    env = dict(os.environ, FITTING_COURSE_ROOT=str(root))
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")   # nbgrader runs alembic
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True)
    if check and done.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def generate(root=None):
    root = Path(root or _course.current().root)
    nbgrader("generate_assignment", _course.ASSIGNMENT, "--force", root=root)
    nbgrader("generate_solution", _course.ASSIGNMENT, "--force", root=root)
    for path in sorted((root / "solutions" / _course.ASSIGNMENT).glob("*.ipynb")):
        _coalesce_streams(path)


def _coalesce_streams(path):
    """Join a cell's consecutive prints into one output, as Jupyter shows them (how a kernel splits
    them depends on timing: rebuilds would otherwise change the solutions at random)."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    for cell in nb["cells"]:
        joined = []
        for output in cell.get("outputs", []):
            last = joined[-1] if joined else None
            if output.get("output_type") == "stream" and last and last.get("output_type") == "stream" and \
                    last["name"] == output["name"]:
                last["text"] = "".join(last["text"]) + "".join(output["text"])
            else:
                joined.append(output)
        for output in joined:
            if output.get("output_type") == "stream" and isinstance(output["text"], str):
                output["text"] = output["text"].splitlines(keepends=True)
        if "outputs" in cell:
            cell["outputs"] = joined
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")


def notebook_digest(path):
    """What must not drift in a notebook: each cell's type, source and nbgrader metadata."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    return [{"type": c["cell_type"], "source": "".join(c["source"]),
             "nbgrader": c.get("metadata", {}).get("nbgrader"),
             "editable": c.get("metadata", {}).get("editable"),
             "deletable": c.get("metadata", {}).get("deletable")} for c in nb["cells"]]


def tree_digest(folder):
    folder = Path(folder)
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and ".ipynb_checkpoints" not in path.parts:
            rel = str(path.relative_to(folder))
            found[rel] = notebook_digest(path) if path.suffix == ".ipynb" else path.read_bytes()
    return found


def differences(a, b):
    """Paths (relative) whose content differs between two generated trees."""
    da, db = tree_digest(a), tree_digest(b)
    return sorted(p for p in set(da) | set(db) if da.get(p) != db.get(p))


def stale():
    """Rebuild into a temporary course and list what differs from the committed folders."""
    course = _course.current()
    with tempfile.TemporaryDirectory(prefix="fitting-build-") as tmp:
        shutil.copytree(course.root / "source", Path(tmp) / "source",
                        ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints", ".pytest_cache"))
        shutil.copy(course.root / "nbgrader_config.py", tmp)
        generate(Path(tmp))
        return [f"{top}/{p}" for top in GENERATED
                for p in differences(course.root / top / course.assignment, Path(tmp) / top / course.assignment)]


def main(check=False):
    if check:
        found = stale()
        for path in found:
            print(f"stale: {path}")
        print("generated folders are fresh" if not found else
              "run `python -m autograder build` and commit the result")
        return 1 if found else 0
    course = _course.current()
    generate(course.root)
    print(f"generated {course.release.relative_to(course.root)} and {course.solutions.relative_to(course.root)}")
    return 0
