"""Gradescope: a ``results.json`` per submission, and the autograder zip that produces it.

    results(record)                       # the results.json of one grader record (a dict)
    build_zip("fitting_models_gradescope.zip")
    python -m autograder.gradescope build [ZIP]      # the same, from the command line
    python -m autograder.gradescope run              # inside Gradescope (what run_autograder calls)

results.json: top level ``score``, ``output``, ``visibility``, ``stdout_visibility`` and ``tests``; one
test per graded function (name, score, max_score, status passed/failed, output listing its failed
cases with the grader's message: what the student returned and, for a trajectory, the first
divergent step only), all ``visible``. Late penalties are Gradescope's business (its own due dates).

The zip holds ``setup.sh`` (apt: python3, pip, bubblewrap when apt works; pip: numpy, matplotlib,
pytest), ``run_autograder``, ``requirements.txt`` and the grader itself: the ``autograder`` package,
``source/fitting_models/`` (reference solutions, hidden-test cells, helper module),
``nbgrader_config.py`` and ``pyproject.toml``. Nothing is downloaded to build it. ``run_autograder``
copies ``/autograder/submission`` (notebooks at its top or in one sub-folder) into a fresh folder,
runs ``python -m autograder grade <folder> --json ...`` in a subprocess with a time limit, and
converts the result; whatever happens (grader crash, timeout, no notebooks, no Python) a
``results.json`` is written. Paths can be moved for testing: ``AUTOGRADER_ROOT`` (default
``/autograder``), ``AUTOGRADER_PYTHON`` (default ``python3``), ``AUTOGRADER_TIMEOUT`` (seconds,
default 900). In Gradescope's Docker containers bubblewrap usually cannot create namespaces; the
grader then still runs student code in a separate process (see ``autograder.sandbox``).
"""
import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from . import course as _course

OUTPUT_LIMIT = 8000          # characters of output per test (Gradescope shows long outputs badly)

SETUP_SH = """#!/usr/bin/env bash
# Gradescope image setup for the fitting_models autograder (runs once, when the image is built).
set -eu
export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null 2>&1; then
    apt-get update && apt-get install -y --no-install-recommends python3 python3-pip python3-venv bubblewrap \\
        || apt-get install -y --no-install-recommends python3 python3-pip \\
        || echo "apt-get failed: using the image's Python, without bubblewrap"
fi
python3 -m pip install --no-cache-dir -r /autograder/source/requirements.txt \\
    || python3 -m pip install --no-cache-dir --break-system-packages -r /autograder/source/requirements.txt
chmod +x /autograder/source/run_autograder
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope entry point: grade /autograder/submission, always write /autograder/results/results.json.
AG="${AUTOGRADER_ROOT:-/autograder}"
PY="${AUTOGRADER_PYTHON:-python3}"
mkdir -p "$AG/results"
rm -f "$AG/results/results.json"
cd "$AG/source" 2>/dev/null
PYTHONPATH="$AG/source${PYTHONPATH:+:$PYTHONPATH}" FITTING_COURSE_ROOT="$AG/source" \\
    "$PY" -m autograder.gradescope run --root "$AG"
if [ ! -s "$AG/results/results.json" ]; then
    printf '%s\\n' '{"score": 0, "visibility": "visible", "stdout_visibility": "visible", "tests": [], "output": "The autograder could not start (no Python or a broken installation); this is not your fault: tell your instructor."}' > "$AG/results/results.json"
fi
exit 0
"""

REQUIREMENTS = "numpy>=1.24\nmatplotlib>=3.7\npytest>=7.4\n"


# ------------------------------------------------------------------ results.json
def _test_output(function, checks):
    failed = [c for c in checks if c["status"] != "passed"]
    lines = [f"{function['passed']}/{function['cases']} hidden cases passed "
             f"({function['score']:g} of {function['max_score']:g} points)."]
    for c in failed:
        lines.append(f"✗ {c.get('case') or c['name']}: {c['status']}: {c.get('message', '')}")
    text = "\n".join(lines)
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT - 20] + "\n… (truncated)"


def results(record, visibility="visible"):
    """Gradescope's results.json (as a dict) for one grader record."""
    tests = []
    for number, f in enumerate(record["functions"], 1):
        checks = [c for c in record.get("checks", ()) if c["function"] == f["function"]]
        tests.append({"name": f"{f['function']} ({f['notebook']})", "number": str(number),
                      "score": f["score"], "max_score": f["max_score"],
                      "status": "passed" if f["status"] == "passed" else "failed",
                      "output": _test_output(f, checks), "visibility": visibility})
    lines = [f"Score: {record['score']:g} / {record['max_score']:g}"]
    lines += [f"Problem: {p}" for p in record.get("problems", ())]
    return {"score": record["score"], "output": "\n".join(lines), "visibility": visibility,
            "stdout_visibility": "hidden", "tests": tests}


def failure_results(message, max_score=None):
    """results.json when there is nothing to grade or the grader failed: score 0, a clear message."""
    return {"score": 0.0, "output": message, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [] if max_score is None else
            [{"name": "autograder", "score": 0.0, "max_score": max_score, "status": "failed",
              "output": message, "visibility": "visible"}]}


def write(path, data):
    """Write a results.json atomically."""
    from .report import write_atomic
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False))
    return Path(path)


def write_all(records, outdir):
    """``<outdir>/<student>/results.json`` for every record; returns {student: path}."""
    return {r["student"]: write(Path(outdir) / r["student"] / "results.json", results(r)) for r in records}


def convert(grade_json, out, log=""):
    """Turn ``python -m autograder grade --json`` output into ``out`` (always written)."""
    max_score = sum(g.points for g in _course.graded())
    try:
        with open(grade_json, encoding="utf-8") as f:
            submissions = json.load(f)["submissions"]
    except (OSError, ValueError, KeyError) as error:
        detail = f"\n\nGrader log (end):\n{log[-3000:]}" if log else ""
        return write(out, failure_results("The autograder failed before producing a result "
                                          f"({type(error).__name__}). This is not a score for your work: "
                                          f"tell your instructor.{detail}", max_score))
    if not submissions:
        return write(out, failure_results("No notebooks were found in your submission: upload the "
                                          f"assignment's .ipynb files ({', '.join(_course.notebooks())}).",
                                          max_score))
    return write(out, results(submissions[0]))


# ----------------------------------------------------------- inside Gradescope
def _notebook_folder(submission):
    """The folder of the upload that holds most of the assignment's notebooks (top or sub-folder)."""
    expected = set(_course.notebooks())
    best, best_count = submission, -1
    for folder in [submission, *sorted(p for p in submission.rglob("*") if p.is_dir())]:
        if "__MACOSX" in folder.parts or ".ipynb_checkpoints" in folder.parts:
            continue
        count = len(expected & {p.name for p in folder.glob("*.ipynb")})
        if count > best_count:
            best, best_count = folder, count
    return best


def run_in_gradescope(root="/autograder", timeout=None):
    """Prepare the submission, grade it in a subprocess, write results/results.json. Returns its path."""
    root = Path(root)
    out = root / "results" / "results.json"
    timeout = float(timeout or os.environ.get("AUTOGRADER_TIMEOUT", 900))
    work = Path(tempfile.mkdtemp(prefix="gradescope-"))
    try:
        folder = work / "submission" / _course.ASSIGNMENT
        shutil.copytree(_notebook_folder(root / "submission"), folder,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__MACOSX"))
        grade_json = work / "grade.json"
        started = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--json", str(grade_json)],
                                  cwd=root / "source", capture_output=True, text=True, timeout=timeout)
            log = done.stdout + done.stderr
        except subprocess.TimeoutExpired as expired:
            log = f"the grader did not finish within {timeout:g} s\n{expired.stdout or ''}{expired.stderr or ''}"
        print(log)
        print(f"graded in {time.perf_counter() - started:.1f} s")
        return convert(grade_json, out, log)
    except Exception as error:  # noqa: BLE001 - a results.json is written whatever happens
        return write(out, failure_results(f"The autograder failed ({type(error).__name__}: {error}). "
                                          "This is not a score for your work: tell your instructor."))
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------ the zip
def _add_tree(zf, folder, arcname):
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and not {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"} & set(path.parts) \
                and path.suffix != ".pyc":
            zf.write(path, f"{arcname}/{path.relative_to(folder).as_posix()}")


def _add_text(zf, name, text, executable=False):
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def build_zip(dest, root=None):
    """Write the Gradescope autograder zip (offline: it only packs files) and return its path."""
    root = Path(root or _course.ROOT)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    package = Path(__file__).resolve().parent
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP_SH, executable=True)
        _add_text(zf, "run_autograder", RUN_AUTOGRADER, executable=True)
        _add_text(zf, "requirements.txt", REQUIREMENTS)
        _add_tree(zf, package, "autograder")
        _add_tree(zf, root / "source" / _course.ASSIGNMENT, f"source/{_course.ASSIGNMENT}")
        for name in ("nbgrader_config.py", "pyproject.toml"):
            zf.write(root / name, name)
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="write the Gradescope autograder zip")
    p.add_argument("zip", nargs="?", default="fitting_models_gradescope.zip")
    p = sub.add_parser("run", help="inside Gradescope: grade /autograder/submission")
    p.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    p = sub.add_parser("convert", help="turn `python -m autograder grade --json` output into results.json")
    p.add_argument("grade_json")
    p.add_argument("results_json")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"wrote {build_zip(args.zip)}")
    elif args.command == "run":
        run_in_gradescope(args.root)
    else:
        convert(args.grade_json, args.results_json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
