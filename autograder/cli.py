"""Command line: ``python -m autograder {build,grade,...}``."""
import argparse
import sys
import time


def _grade(args):
    from . import report
    from .grading import grade
    from .sandbox.pool import Limits
    started = time.perf_counter()
    records, sandboxed = grade(args.paths, jobs=args.jobs, sandbox=False if args.no_sandbox else None,
                               limits=Limits(call_seconds=args.timeout))
    elapsed = time.perf_counter() - started
    if len(records) == 1 or args.details:
        for record in records:
            print(report.student_table(record) + "\n")
    if len(records) > 1:
        print(report.class_table(records))
    print(f"\ngraded {len(records)} submission(s) in {elapsed:.1f} s, sandbox {'on' if sandboxed else 'OFF'}")
    if args.json:
        report.write_json(args.json, records, sandbox=sandboxed, seconds=round(elapsed, 2))
        print(f"results: {args.json}")
    return 0


def _build(args):
    from . import build
    return build.main(check=args.check)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("grade", help="grade submissions with the hidden checks")
    p.add_argument("paths", nargs="+", help="a submission folder, or a folder of them (nbgrader's submitted/)")
    p.add_argument("--json", help="write the results to this JSON file")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default 1)")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds per call of a student function")
    p.add_argument("--details", action="store_true", help="print every student's per-function table")
    p.add_argument("--no-sandbox", action="store_true", help="do not use bubblewrap (still a separate process)")
    p.set_defaults(run=_grade)
    p = sub.add_parser("build", help="regenerate assignments/ and solutions/ from source/ with nbgrader")
    p.add_argument("--check", action="store_true", help="only say whether the generated folders are fresh")
    p.set_defaults(run=_build)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
