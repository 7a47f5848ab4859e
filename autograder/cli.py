"""Command line: ``python -m autograder {build,grade,...}``."""
import argparse
import os
import sys
import time


def _grade(args):
    from . import course, report
    from .grading import grade_batch
    from .ledger import Busy
    from .sandbox.pool import Limits
    started = time.perf_counter()
    try:
        summaries, graded_now, sandboxed = grade_batch(
            args.paths, args.json, jobs=args.jobs, sandbox=False if args.no_sandbox else None,
            limits=Limits(call_seconds=args.timeout), force=args.force, wait=args.wait,
            progress=report.Progress)
    except Busy as busy:
        print(f"error: {busy}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: what was graded is kept; run the same command to resume", file=sys.stderr)
        return 130
    elapsed = time.perf_counter() - started
    if args.gradebook or args.gradescope:
        records = list(report.records(args.json))
        if args.gradebook:
            from . import gradebook
            gradebook.record(records)
            print(f"scores recorded in the nbgrader gradebook of {course.ROOT} (nbgrader export, formgrader)")
        if args.gradescope:
            from . import gradescope
            gradescope.write_all(records, args.gradescope)
            print(f"Gradescope results: {args.gradescope}/<student>/results.json")
    if args.details or len(summaries) == 1:
        for record in report.records(args.json):
            print(report.student_table(record) + "\n")
    if len(summaries) > 1:
        print(report.class_table(summaries))
    skipped = len(summaries) - graded_now
    print(f"\ngraded {graded_now} submission(s) in {elapsed:.1f} s"
          + (f", {skipped} already graded with these checks (--force to regrade)" if skipped else "")
          + f"; sandbox {'on' if sandboxed else 'OFF'}")
    print(f"results: {args.json}")
    return 0


def _feedback(args):
    from . import report
    from .feedback import write_reports
    started = time.perf_counter()
    paths = write_reports(report.records(args.results), args.out, jobs=args.jobs)
    print(f"wrote {len(paths)} feedback page(s) to {args.out}/ in {time.perf_counter() - started:.1f} s")
    return 0


def _demo(args):
    from . import demo
    demo.run_demo(args.workdir, jobs=args.jobs)
    return 0


def _gradescope(args):
    from . import gradescope
    return gradescope.main(args.rest)


def _build(args):
    from . import build
    return build.main(check=args.check)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("grade", help="grade submissions with the hidden checks")
    p.add_argument("paths", nargs="+", help="a submission folder, or a folder of them (nbgrader's submitted/)")
    p.add_argument("--json", default="grading/results.json",
                   help="results file (default grading/results.json); its .jsonl ledger makes reruns resume")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help=f"submissions graded in parallel (default: the number of cores, {os.cpu_count()})")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds per call of a student function")
    p.add_argument("--details", action="store_true", help="print every student's per-function table")
    p.add_argument("--no-sandbox", action="store_true", help="do not use bubblewrap (still a separate process)")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded with these checks")
    p.add_argument("--wait", action="store_true", help="if another grader holds the results file, wait for it")
    p.add_argument("--gradebook", action="store_true",
                   help="record the scores in the course's nbgrader gradebook (for nbgrader export, formgrader)")
    p.add_argument("--gradescope", metavar="DIR", help="also write a Gradescope results.json per student under DIR")
    p.set_defaults(run=_grade)
    p = sub.add_parser("demo", help="the whole nbgrader cycle on a bundled class, in a temporary course")
    p.add_argument("--workdir", help="an empty folder for the demo course (default: a new temporary folder)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (default 2)")
    p.set_defaults(run=_demo)
    p = sub.add_parser("gradescope", help="Gradescope: `build [ZIP]` the autograder zip, `run`, `convert`")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(run=_gradescope)
    p = sub.add_parser("feedback", help="one HTML feedback page per student, from a results file")
    p.add_argument("--results", default="grading/results.json", help="results of `grade` (default grading/results.json)")
    p.add_argument("--out", default="grading/feedback", help="folder for the pages (default grading/feedback)")
    p.add_argument("--jobs", type=int, default=1, help="pages rendered in parallel")
    p.set_defaults(run=_feedback)
    p = sub.add_parser("build", help="regenerate assignments/ and solutions/ from source/ with nbgrader")
    p.add_argument("--check", action="store_true", help="only say whether the generated folders are fresh")
    p.set_defaults(run=_build)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
