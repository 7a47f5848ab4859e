"""Command line: ``python -m autograder {build,grade,...}``."""
import argparse
import sys
import time


def _grade(args):
    from . import report
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
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds per call of a student function")
    p.add_argument("--details", action="store_true", help="print every student's per-function table")
    p.add_argument("--no-sandbox", action="store_true", help="do not use bubblewrap (still a separate process)")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded with these checks")
    p.add_argument("--wait", action="store_true", help="if another grader holds the results file, wait for it")
    p.set_defaults(run=_grade)
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
