"""Command line: ``python -m autograder {grade,pytest,feedback,build,demo,gradescope}``."""
import argparse
import os
import sys
import time


def _limits(args):
    from .engine.sandbox.supervisor import Limits
    return Limits(call_seconds=args.timeout, hide_reference=getattr(args, "hide_reference", False))


def _in_course(path, *default):
    """``path`` as given, or ``default`` inside the course directory (wherever the command runs)."""
    if path:
        return path
    from .course import current
    return str(current().root.joinpath(*default))


def _grade(args):
    from .engine.grading import grade_batch, records
    from .engine.ledger import Busy
    from .exporters import text
    started = time.perf_counter()
    args.json = _in_course(args.json, "grading", "results.json")
    try:
        summaries, graded_now, tier = grade_batch(args.paths, args.json, jobs=args.jobs, tier=args.sandbox,
                                                  limits=_limits(args), force=args.force, wait=args.wait,
                                                  progress=text.Progress)
    except Busy as busy:
        print(f"error: {busy}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: what was graded is kept; run the same command to resume", file=sys.stderr)
        return 130
    elapsed = time.perf_counter() - started
    if args.gradebook or args.gradescope:
        found = list(records(args.json))
        if args.gradebook:
            from .course import current
            from .exporters import gradebook
            try:
                gradebook.record(found)
            except (LookupError, ValueError) as error:     # no such assignment, cell or points: a stale gradebook
                print(f"error: scores NOT recorded in the gradebook: {error}", file=sys.stderr)
                return 2
            print(f"scores recorded in the nbgrader gradebook of {current().root} (nbgrader export, formgrader)")
        if args.gradescope:
            from .exporters import gradescope
            gradescope.write_all(found, args.gradescope)
            print(f"Gradescope results: {args.gradescope}/<student>/results.json")
    if args.details or len(summaries) == 1:
        for record in records(args.json):
            print(text.student_table(record) + "\n")
    if len(summaries) > 1:
        print(text.class_table(summaries))
    skipped = len(summaries) - graded_now
    print(f"\ngraded {graded_now} submission(s) in {elapsed:.1f} s"
          + (f", {skipped} already graded with these checks (--force to regrade)" if skipped else "")
          + (f"; sandbox: {tier.name}" if tier else ""))
    print(f"results: {args.json}")
    return 0


def _pytest(args):
    from .course import current
    from .engine import hidden
    cache = current().root / "grading" / ".hidden-tests-cache"
    return int(hidden.run(f"--submission={args.submission}", f"--sandbox={args.sandbox}", *args.pytest_args,
                          cache=cache))


def _feedback(args):
    from .engine.grading import records
    from .exporters.feedback.release import release
    started = time.perf_counter()
    args.results = _in_course(args.results, "grading", "results.json")
    args.out = _in_course(args.out, "grading", "feedback")
    found = release(records(args.results), flat=args.out, jobs=args.jobs)
    print(f"wrote {len(found)} feedback page(s) in {time.perf_counter() - started:.1f} s: feedback/<student>/<assignment>/ "
          f"(nbgrader release_feedback releases them) and {args.out}/<student>.html (for an LMS)")
    return 0


def _demo(args):
    from .cycle import demo
    demo.run_demo(args.workdir, jobs=args.jobs)
    return 0


def _gradescope(args):
    from .cycle import gradescope
    return gradescope.main(args.rest)


def _build(args):
    from .cycle import build
    return build.main(check=args.check)


def parser():
    top = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)
    p = sub.add_parser("grade", help="grade submissions with the hidden tests")
    p.add_argument("paths", nargs="+", help="a submission folder, or a folder of them (nbgrader's submitted/)")
    p.add_argument("--json", help="results file (default: grading/results.json in the course directory); "
                                  "its .jsonl ledger makes reruns resume")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help=f"submissions graded in parallel (default: the number of cores, {os.cpu_count()})")
    p.add_argument("--timeout", type=float, default=3.0, help="seconds per call of a student function")
    p.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "restricted", "off"),
                   help="the sandbox tier: auto (the strongest that holds here, default), bwrap, restricted, "
                        "or off (student code then runs unconfined: only when you trust it)")
    p.add_argument("--hide-reference", action="store_true",
                   help="run the reference functions student code builds on in the grader, never in the sandbox, "
                        "so that no one can copy them out through their own feedback (about 1-3 s more per "
                        "submission; for feedback students see before the deadline; Gradescope always does)")
    p.add_argument("--details", action="store_true", help="print every student's per-function table")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded with these checks")
    p.add_argument("--wait", action="store_true", help="if another grader holds the results file, wait for it")
    p.add_argument("--gradebook", action="store_true",
                   help="record the scores in the course's nbgrader gradebook (for nbgrader export, formgrader)")
    p.add_argument("--gradescope", metavar="DIR", help="also write a Gradescope results.json per student under DIR")
    p.set_defaults(run=_grade)
    p = sub.add_parser("pytest", help="run the hidden tests on one submission with pytest (-k, -x, -v, --lf ...)")
    p.add_argument("submission", help="one submission folder")
    p.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "restricted", "off"),
                   help="the sandbox tier (default auto)")
    p.add_argument("pytest_args", nargs=argparse.REMAINDER, help="pytest's own options")
    p.set_defaults(run=_pytest)
    p = sub.add_parser("feedback", help="one HTML feedback page per student, where nbgrader release_feedback finds it")
    p.add_argument("--results", help="results of `grade` (default: grading/results.json in the course directory)")
    p.add_argument("--out", help="also a flat folder of the pages (default: grading/feedback in the course directory)")
    p.add_argument("--jobs", type=int, default=1, help="pages rendered in parallel")
    p.set_defaults(run=_feedback)
    p = sub.add_parser("build", help="regenerate assignments/ and solutions/ from source/ with nbgrader")
    p.add_argument("--check", action="store_true", help="only say whether the generated folders are fresh")
    p.set_defaults(run=_build)
    p = sub.add_parser("demo", help="the whole nbgrader cycle on a bundled class, in a temporary course")
    p.add_argument("--workdir", help="an empty folder for the demo course (default: a new temporary folder)")
    p.add_argument("--jobs", type=int, default=2, help="submissions graded in parallel (default 2)")
    p.set_defaults(run=_demo)
    p = sub.add_parser("gradescope", help="Gradescope: build the autograder zip (`gradescope build --help`), run, convert",
                       add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(run=_gradescope)
    return top


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["gradescope"]:            # its own parser (argparse's REMAINDER would swallow --help)
        from .cycle import gradescope
        return gradescope.main(argv[1:])
    args = parser().parse_args(argv)
    from .course import NotACourse
    from .engine.sandbox.tiers import Unavailable
    from .engine.submissions import NoSubmissions
    try:
        return args.run(args)
    except (NotACourse, NoSubmissions, Unavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
