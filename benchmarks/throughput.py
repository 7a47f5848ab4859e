"""Grading throughput: this project's grader against `nbgrader autograde`, on the same submissions.

    python benchmarks/throughput.py                       # N = 20, 200, 1000; nbgrader on 10 of them
    python benchmarks/throughput.py --sizes 20 --nbgrader 5 --jobs 1 2

For each class size N it builds a class of synthetic submissions (correct answers, every catalogued
mistake, stubs; see autograder/fabricate.py) in a temporary nbgrader course, grades it with
`python -m autograder grade submitted/ --jobs J`, and reports seconds per submission, the grader's
peak memory, the cores kept busy, and the ratio to the floor: the time to run one student's
functions on every hidden case once in a warm Python process (measured in the same run). It runs
the real `nbgrader autograde` (nbgrader's own preprocessors: the notebooks run in kernels, not the course
config's sandboxed grader) on the first K submissions and checks that both give the same total
per student. Timings on a shared machine are noisy: compare ratios from one run.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import course as _course  # noqa: E402
from autograder.cycle import build  # noqa: E402
from autograder.cycle.fabricate import make_submission  # noqa: E402
from autograder.engine import assignment, protocol, reference  # noqa: E402

course = _course.current()


def variants():
    """The answers of the synthetic students, in turn: all correct, each mistake, two stubs."""
    found = [{}]
    found += [{e.function: e.source()} for e in course.content.catalogue_entries()]
    found += [{"sgd": None, "adam": None}, {"line_search": None}]
    return found


def make_class(course_root, n):
    submitted = course_root / "submitted"
    kinds = variants()
    for i in range(n):
        folder = make_submission(submitted / f"student{i:04d}" / course.assignment, kinds[i % len(kinds)])
        (folder / "timestamp.txt").write_text("2026-11-20 10:00:00.000000 UTC")
    return submitted


def new_course(where):
    root = Path(where)
    for top in ("source", "assignments"):
        shutil.copytree(course.root / top, root / top, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(course.root / "nbgrader_config.py", root)
    return root


def floor(submission, repeat=10):
    """Seconds to run one student's functions on every case once, in this warm process."""
    tools = course.tools
    functions = {}
    for notebook in course.notebooks:
        namespace, _ = tools.execute(tools.definitions(str(submission / notebook)))
        functions.update({g.name: namespace[g.name] for g in course.graded if g.name in namespace})
    env, calls = reference.environment(), assignment.calls()
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for call in calls:
            protocol.run_call(call, functions, env)
        best = min(best, time.perf_counter() - started)
    return best


def cpu_ticks():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    fields = [int(v) for v in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def ours(submitted, jobs, out, extra=()):
    """Wall seconds, the grader's peak RSS (MB) and the cores kept busy (the whole machine's CPU
    use during the run, from /proc/stat: it counts the sandboxed workers too), for one batch."""
    busy0, total0 = cpu_ticks()
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "autograder", "grade",
                           str(submitted), "--jobs", str(jobs), "--json", str(out), "--force", *extra],
                          capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    busy1, total1 = cpu_ticks()
    peak_mb = int(done.stderr.strip().splitlines()[-1]) / 1024
    return wall, peak_mb, os.cpu_count() * (busy1 - busy0) / max(total1 - total0, 1)


def totals_ours(results):
    return {r["student"]: r["score"] for r in json.loads(Path(results).read_text())["submissions"]}


def nbgrader_autograde(course_root, students, where):
    """Run the real `nbgrader autograde` (one command, in kernels) on a course holding only ``students``;
    (wall seconds, {student: total})."""
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde
    root = new_course(where)
    own = [f"{p.__module__}.{p.__name__}" for p in Autograde.class_traits()["autograde_preprocessors"].default()]
    with open(root / "nbgrader_config.py", "a") as f:      # nbgrader's own autograde: kernels, not this grader
        f.write(f"\nc.Autograde.autograde_preprocessors = {own!r}\n")
    for student in students:
        shutil.copytree(course_root / "submitted" / student, root / "submitted" / student)
    build.nbgrader("generate_assignment", course.assignment, "--force", root=root)
    started = time.perf_counter()
    build.nbgrader("autograde", course.assignment, "--force", root=root, check=False)
    wall = time.perf_counter() - started
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        totals = {s: gb.find_submission(course.assignment, s).score for s in students}
    return wall, totals


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[20, 200, 1000])
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--nbgrader", type=int, default=10, help="submissions also graded by nbgrader autograde")
    parser.add_argument("--hide-reference", action="store_true", help="grade with --hide-reference (the oracle)")
    parser.add_argument("--sandbox", default="auto", help="the sandbox tier to grade in (default auto)")
    args = parser.parse_args(argv)
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]

    rows = []
    with tempfile.TemporaryDirectory(prefix="fitting-bench-") as tmp:
        base = None
        for n in args.sizes:
            root = new_course(Path(tmp) / f"n{n}")
            submitted = make_class(root, n)
            measured = floor(submitted / "student0000" / course.assignment)
            base = measured if base is None else min(base, measured)      # one floor for every row
            for jobs in args.jobs:
                wall, peak, busy = ours(submitted, jobs, root / f"results-{jobs}.json",
                                        ["--sandbox", args.sandbox] + (["--hide-reference"] if args.hide_reference else []))
                rows.append(dict(n=n, jobs=jobs, wall=wall, peak=peak, busy=busy))
                print(f"N={n:5d} jobs={jobs}: {wall:7.1f} s, {wall / n:.3f} s/submission, "
                      f"grader peak {peak:.0f} MB, {busy:.2f} cores busy", flush=True)
            if args.nbgrader and n == args.sizes[0]:
                students = sorted(p.name for p in submitted.iterdir())[:args.nbgrader]
                nb_wall, nb_totals = nbgrader_autograde(root, students, Path(tmp) / "nbgrader")
                ours_totals = totals_ours(root / f"results-{args.jobs[0]}.json")
                agree = all(abs(nb_totals[s] - ours_totals[s]) < 1e-6 for s in students)
                print(f"nbgrader autograde, {len(students)} of them: {nb_wall / len(students):.2f} s/submission; "
                      f"same totals as ours: {agree}", flush=True)
                if not agree:
                    for s in students:
                        print(f"  {s}: nbgrader {nb_totals[s]}, ours {ours_totals[s]}")
                rows.append(dict(nbgrader=nb_wall / len(students), agree=agree))
    nb = next((r["nbgrader"] for r in rows if "nbgrader" in r), None)
    print(f"\nfloor (one student's functions on every case, warm process, best of 10): {base * 1000:.0f} ms")
    if nb:
        print(f"nbgrader autograde: {nb:.2f} s / submission (one command, on the same submissions)")
    print("marginal = (wall(N) - wall(previous N)) / (N - previous N): the per-submission cost without start-up\n")
    print("| N | jobs | wall s | s / submission | marginal s / submission | marginal / floor | grader peak MB "
          "| cores busy | nbgrader / ours |")
    print("|---|---|---|---|---|---|---|---|---|")
    previous = {}
    for r in (r for r in rows if "n" in r):
        per = r["wall"] / r["n"]
        last = previous.get(r["jobs"])
        marginal = (r["wall"] - last["wall"]) / (r["n"] - last["n"]) if last else None
        previous[r["jobs"]] = r
        shown = f"{marginal:.3f}" if marginal else "-"
        ratio = f"{marginal / base:.1f}" if marginal else "-"
        versus = f"{nb / (marginal or per):.0f}x" if nb else "-"
        print(f"| {r['n']} | {r['jobs']} | {r['wall']:.1f} | {per:.3f} | {shown} | {ratio} | {r['peak']:.0f} | "
              f"{r['busy']:.2f} | {versus} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
