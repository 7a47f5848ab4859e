"""Grade the student corpus with a repo's grader and measure how fair its verdicts are.

    python tests/corpus/run.py --repo DIR [--jobs 2] [--selfcheck] [--json OUT]

Builds one submission per corpus entry with DIR's own ``autograder.fabricate.make_submission``
(every answer correct except the entry's function and its ``also``), grades them all in ONE
``python -m autograder grade`` call of DIR, and compares each verdict with the entry's ``expect``:

- false fails: full / accepted / types entries that lose points on their function;
- missed bugs: named / wrong / inplace entries with full marks on their function;
- wrong names: a ``matched`` name on the function's checks that is not the expected one (an
  accepted form shown on a buggy implementation counts), or any name on a ``wrong`` or ``zero`` entry;
- named vs unnamed among ``named:`` entries (catalogued names and proposed ones apart);
- points earned by ``zero`` entries; points lost outside the entry's function(s).

With ``--selfcheck`` it also runs the students' self-check (``pytest`` in each submission folder,
the released conftest.py: one test per function) under a time limit, and reports per function
whether "the self-check passes" agrees with "the grader gives full marks", listing disagreements.

Only the grader's stable interfaces are used: ``fabricate.make_submission``, ``mistakes.entries()``,
``course.graded()``, and the ``grade`` command and its JSON. Everything of DIR runs in DIR's own
Python (``DIR/.venv/bin/python`` if present, else ``--python``), with DIR as working directory.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))          # tests/: import the corpus as the package `corpus`

from corpus import ENTRIES  # noqa: E402

IN_PLACE_PATTERN = re.compile(r"in place", re.I)
EPS = 1e-6

BUILD = r"""
import json, sys
from pathlib import Path
try:                                        # this project's layout since the architecture issue
    from autograder.cycle.fabricate import make_submission
    from autograder import course as _course
    course = _course.current()
    graded, entries = course.graded, course.content.catalogue_entries()
except ImportError:                         # the first version's
    from autograder.fabricate import make_submission
    from autograder import course, mistakes
    graded, entries = course.graded(), mistakes.entries()
spec, out, meta = json.load(open(sys.argv[1])), Path(sys.argv[2]), sys.argv[3]
for item in spec:
    make_submission(out / item["key"], item["answers"])
json.dump({"graded": [[g.name, g.notebook, g.points] for g in graded],
           "entries": [[e.function, e.name, bool(e.accepted)] for e in entries],
           "autograder": __import__("autograder").__file__}, open(meta, "w"))
"""


def _checks(record):
    """Per case: name, function, status, message, matched (the mistake or accepted form named on
    it), from either results format (``cases`` with ``mistake``/``accepted``, or the first
    version's ``checks`` with ``matched``)."""
    if "checks" in record:
        return record["checks"]
    found = []
    for c in record["cases"]:
        named = c.get("mistake") or c.get("accepted")
        found.append({"name": c["case"], "function": c["function"], "status": c["status"],
                      "message": c.get("message", ""), "matched": named["name"] if named else None})
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", required=True, help="the grader's repository (its course directory)")
    parser.add_argument("--jobs", type=int, default=2, help="grader jobs (default 2)")
    parser.add_argument("--selfcheck", action="store_true", help="also run the students' pytest self-check")
    parser.add_argument("--selfcheck-jobs", type=int, default=2, help="self-check runs in parallel (default 2)")
    parser.add_argument("--selfcheck-timeout", type=float, default=30.0,
                        help="seconds per self-check run before it counts as hung (default 30)")
    parser.add_argument("--json", help="write the full results here")
    parser.add_argument("--python", help="Python to run DIR with (default DIR/.venv/bin/python)")
    parser.add_argument("--workdir", help="build the submissions here (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--function", action="append", help="only entries of these functions (repeatable)")
    parser.add_argument("--problems", action="store_true", help="print only the rows with a problem")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 on any false fail, missed bug, wrong name, point for nothing, point lost "
                             "outside, or (with --selfcheck) a self-check failing where the grader gives full marks")
    args = parser.parse_args(argv)

    repo = Path(args.repo).resolve()
    python = args.python or (str(repo / ".venv/bin/python") if (repo / ".venv/bin/python").exists() else sys.executable)
    entries = [e for e in ENTRIES if not args.function or e.function in args.function]
    work = Path(args.workdir).resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="corpus-"))
    subs = work / "submissions"
    if subs.exists():
        shutil.rmtree(subs)
    subs.mkdir(parents=True)
    started = time.perf_counter()
    try:
        meta = build(entries, repo, python, work, subs)
        results = grade(repo, python, work, subs, args.jobs)
        graded_seconds = time.perf_counter() - started
        selfcheck = run_selfchecks(entries, subs, python, meta, args.selfcheck_jobs,
                                   args.selfcheck_timeout) if args.selfcheck else None
        rows = [evaluate(e, results.get(e.key), meta, selfcheck and selfcheck.get(e.key)) for e in entries]
        summary = summarise(rows, entries, meta, selfcheck is not None)
        if selfcheck:
            summary["selfcheck_seconds"] = round(selfcheck["__seconds__"], 1)
        print_report(rows, summary, args.problems, selfcheck is not None)
        print(f"\n{len(entries)} submissions built and graded in {graded_seconds:.1f} s"
              + (f"; self-check {summary['selfcheck_seconds']:.0f} s" if selfcheck else "")
              + f"; grader: {meta['autograder']}")
        if args.json:
            Path(args.json).write_text(json.dumps({"repo": str(repo), "summary": summary, "entries": rows},
                                                  indent=1, default=str))
            print(f"results: {args.json}")
        if args.strict:
            unfair = (len(summary["false_fails"]) + len(summary["missed_bugs"]) + summary["wrong_name_count"]
                      + len(summary["zero_earning"]) + len(summary["lost_outside"])
                      + len(summary.get("selfcheck_fails_grader_full_marks", ())))
            if unfair:
                print(f"strict: {unfair} unfair verdict(s)")
                return 1
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
        elif args.keep:
            print(f"submissions kept in {subs}")
    return 0


# -- building and grading (in DIR's own Python) --------------------------------------------------

def build(entries, repo, python, work, subs):
    spec = work / "spec.json"
    spec.write_text(json.dumps([{"key": e.key, "answers": e.answers()} for e in entries]))
    meta_path = work / "meta.json"
    done = subprocess.run([python, "-c", BUILD, str(spec), str(subs), str(meta_path)], cwd=repo,
                          capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"building the submissions failed:\n{done.stderr[-3000:]}")
    meta = json.loads(meta_path.read_text())
    meta["points"] = {name: points for name, _, points in meta["graded"]}
    meta["notebook"] = {name: notebook for name, notebook, _ in meta["graded"]}
    meta["known"] = defaultdict(dict)
    for function, name, accepted in meta["entries"]:
        meta["known"][function][name] = accepted
    return meta


def grade(repo, python, work, subs, jobs):
    out = work / "results.json"
    done = subprocess.run([python, "-m", "autograder", "grade", str(subs), "--json", str(out),
                           "--jobs", str(jobs), "--force"], cwd=repo, capture_output=True, text=True,
                          timeout=3600)
    if done.returncode or not out.exists():
        raise SystemExit(f"grading failed (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return {s["student"]: s for s in json.loads(out.read_text())["submissions"]}


# -- the students' self-check ---------------------------------------------------------------------

RESULT_LINE = re.compile(r"^(?P<where>\S+)::(?P<function>\w+) (?P<outcome>PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b")
STARTED_LINE = re.compile(r"^(?P<where>\S+)::(?P<function>\w+) ?$")


def run_selfchecks(entries, subs, python, meta, jobs, timeout):
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        found = dict(zip([e.key for e in entries],
                         pool.map(lambda e: selfcheck(subs / e.key, python, meta, timeout), entries)))
    found["__seconds__"] = time.perf_counter() - started
    return found


def selfcheck(folder, python, meta, timeout):
    """{function: "passed" | "failed" | "timeout" | "missing"} and the messages of the failures.

    A hung run is killed (with its process group) after ``timeout`` seconds; the test it was in
    counts as "timeout" and pytest runs again without it, so one hang costs only its own test."""
    outcomes, messages, deselect, runs = {}, {}, [], 0
    while runs < 4:
        runs += 1
        xml = folder / f".selfcheck-{runs}.xml"
        cmd = [python, "-m", "pytest", "-p", "no:cacheprovider", "-v", "--rootdir", str(folder),
               f"--junitxml={xml}", "-o", "console_output_style=classic"]
        cmd += [arg for nodeid in deselect for arg in ("--deselect", nodeid)]
        stdout, hung = _run_with_timeout(cmd, folder, timeout)
        seen = _parse_junit(xml) if not hung else {}
        if not seen:
            seen = {m["function"]: (_outcome(m["outcome"]), "") for m in map(RESULT_LINE.match, stdout.splitlines()) if m}
        for function, (outcome, message) in seen.items():
            outcomes.setdefault(function, outcome)
            if message:
                messages.setdefault(function, message)
        if not hung:
            break
        current = [m["function"] for m in map(STARTED_LINE.match, stdout.splitlines()) if m]
        stuck = next((f for f in reversed(current) if f not in outcomes), None)
        if stuck is None:                                   # hung outside any test (collection?)
            break
        outcomes[stuck], messages[stuck] = "timeout", f"no result after {timeout:g} s (killed)"
        deselect.append(f"{meta['notebook'].get(stuck, '?')}::{stuck}")
    for function in meta["notebook"]:
        outcomes.setdefault(function, "missing")
    return {"outcomes": outcomes, "messages": messages, "runs": runs}


def _outcome(word):
    return {"PASSED": "passed", "XFAIL": "passed", "SKIPPED": "skipped"}.get(word, "failed")


def _run_with_timeout(cmd, cwd, timeout):
    env = dict(os.environ, PYTHONUNBUFFERED="1", MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTEST_ADDOPTS", None)
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env, start_new_session=True)
    try:
        out, _ = process.communicate(timeout=timeout)
        return out, False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = process.communicate()
        return out or "", True


def _parse_junit(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return {}
    found = {}
    for case in root.iter("testcase"):
        bad = case.find("failure")
        if bad is None:
            bad = case.find("error")
        skipped = case.find("skipped") is not None
        message = "" if bad is None else (bad.get("message") or bad.text or "")[:300]
        found[case.get("name")] = ("failed" if bad is not None else "skipped" if skipped else "passed", message)
    return found


# -- verdicts against expectations ----------------------------------------------------------------

def evaluate(entry, record, meta, selfcheck):
    row = {"key": entry.key, "function": entry.function, "label": entry.label, "expect": entry.expect,
           "kind": entry.kind, "note": entry.note, "also": sorted(entry.also or {})}
    if entry.function not in meta["points"]:
        row["problem"] = f"{entry.function} is not a graded function of this repo"
        return row
    if record is None:
        row["problem"] = "no result for this submission"
        return row
    functions = {f["function"]: f for f in record["functions"]}
    mine = functions[entry.function]
    checks = [c for c in _checks(record) if c["function"] == entry.function]
    names = [c.get("matched") for c in checks if c.get("matched")]
    row.update(score=mine["score"], max_score=mine["max_score"], status=mine["status"],
               full=mine["score"] >= mine["max_score"] - EPS,
               names=dict(Counter(names)),
               failing=[c["name"].split("[", 1)[-1].rstrip("]") for c in checks if c["status"] != "passed"],
               failed_matched=[c.get("matched") for c in checks if c["status"] != "passed"],
               messages=sorted({_short(c["message"]) for c in checks if c["status"] != "passed"})[:4])
    own = {entry.function, *(entry.also or {})}
    row["lost_outside"] = round(sum(f["max_score"] - f["score"] for name, f in functions.items() if name not in own), 6)
    row["lost_outside_in"] = sorted(name for name, f in functions.items()
                                    if name not in own and f["score"] < f["max_score"] - EPS)
    kind, detail = entry.kind, entry.detail
    known = meta["known"].get(entry.function, {})
    row["wrong_names"] = sorted(wrong_names(kind, detail, set(names)))
    verdict = []
    if kind in ("full", "accepted", "types"):
        if not row["full"]:
            verdict.append("FALSE FAIL")
    elif kind in ("named", "wrong", "inplace"):
        if row["full"]:
            verdict.append("MISSED")
    elif kind == "zero" and row["score"] > EPS:
        verdict.append("POINTS FOR NOTHING")
    if kind == "named":
        row["catalogued"] = detail in known
        failing_names = [OWN.sub("", n) if n else n for n in row["failed_matched"]]
        if failing_names and all(n == detail for n in failing_names):
            row["naming"] = "named"
        elif detail in names:
            row["naming"] = "partly named"
        else:
            row["naming"] = "unnamed"
    if kind == "inplace":
        row["naming"] = "named" if any(IN_PLACE_PATTERN.search(n) for n in names) else "unnamed"
    if kind == "accepted" and detail not in known:
        row["problem"] = f"'{detail}' is not an accepted form of {entry.function} in this repo"
    if row["wrong_names"]:
        verdict.append("WRONG NAME")
    if row["lost_outside"] > EPS:
        verdict.append("LOST OUTSIDE")
    if selfcheck is not None:
        outcome = selfcheck["outcomes"].get(entry.function, "missing")
        row["selfcheck"] = outcome
        row["selfcheck_message"] = selfcheck["messages"].get(entry.function, "")
        row["selfcheck_agrees"] = (outcome == "passed") == row["full"]
        row["selfcheck_failed_outside"] = sorted(f for f, o in selfcheck["outcomes"].items()
                                                 if f not in own and o != "passed")
        if not row["selfcheck_agrees"]:
            verdict.append("SELF-CHECK " + ("PASSES" if outcome == "passed" else outcome.upper()))
    row["verdict"] = verdict
    return row


OWN = re.compile(r" \(your \w+ with your own [\w, ]+\)$")


def wrong_names(kind, detail, names):
    names = {OWN.sub("", n) for n in names}   # "X (your f with your own g)": X, found with the student's own g
    if kind == "accepted":
        return names - {detail}
    if kind == "named":
        return names - {detail}
    if kind == "inplace":
        return {n for n in names if not IN_PLACE_PATTERN.search(n)}
    return names            # full, types, wrong, zero: no name fits


def _short(message):
    return re.sub(r"\s+", " ", message)[:140]


# -- totals ---------------------------------------------------------------------------------------

def summarise(rows, entries, meta, with_selfcheck):
    ok = [r for r in rows if "score" in r]
    s = {"entries": len(rows), "graded": len(ok), "problems": [f"{r['key']}: {r['problem']}" for r in rows if r.get("problem")]}
    s["by_function"] = dict(Counter(e.function for e in entries))
    s["by_kind"] = dict(Counter(e.kind for e in entries))
    s["false_fails"] = [r["key"] for r in ok if "FALSE FAIL" in r["verdict"]]
    s["missed_bugs"] = [r["key"] for r in ok if "MISSED" in r["verdict"]]
    s["wrong_names"] = {r["key"]: r["wrong_names"] for r in ok if r["wrong_names"]}
    s["wrong_name_count"] = sum(len(v) for v in s["wrong_names"].values())
    named = [r for r in ok if r["kind"] == "named"]
    for group, members in (("catalogued", [r for r in named if r.get("catalogued")]),
                           ("proposed", [r for r in named if not r.get("catalogued")])):
        s[f"naming_{group}"] = dict(Counter(r["naming"] for r in members), total=len(members))
        s[f"unnamed_{group}"] = [r["key"] for r in members if r["naming"] != "named"]
    s["inplace_naming"] = dict(Counter(r["naming"] for r in ok if r["kind"] == "inplace"))
    zero = [r for r in ok if r["kind"] == "zero"]
    s["zero_points"] = round(sum(r["score"] for r in zero), 4)
    s["zero_earning"] = {r["key"]: r["score"] for r in zero if r["score"] > EPS}
    s["lost_outside"] = {r["key"]: (r["lost_outside"], r["lost_outside_in"]) for r in ok if r["lost_outside"] > EPS}
    per_function = {}
    for function in meta["notebook"]:
        mine = [r for r in ok if r["function"] == function]
        if mine:
            per_function[function] = {
                "entries": len(mine),
                "false_fails": sum("FALSE FAIL" in r["verdict"] for r in mine),
                "missed": sum("MISSED" in r["verdict"] for r in mine),
                "wrong_names": sum(bool(r["wrong_names"]) for r in mine),
                "named": f"{sum(r.get('naming') == 'named' for r in mine if r['kind'] == 'named')}"
                         f"/{sum(r['kind'] == 'named' for r in mine)}",
                "zero_points": round(sum(r["score"] for r in mine if r["kind"] == "zero"), 4),
            }
            if with_selfcheck:
                per_function[function]["selfcheck_agree"] = f"{sum(r['selfcheck_agrees'] for r in mine)}/{len(mine)}"
    s["per_function"] = per_function
    if with_selfcheck:
        s["selfcheck_agreement"] = f"{sum(r['selfcheck_agrees'] for r in ok)}/{len(ok)}"
        s["selfcheck_passes_grader_takes_points"] = [r["key"] for r in ok if not r["selfcheck_agrees"] and r["selfcheck"] == "passed"]
        s["selfcheck_fails_grader_full_marks"] = {r["key"]: f"{r['selfcheck']}: {r['selfcheck_message'][:160]}"
                                                  for r in ok if not r["selfcheck_agrees"] and r["selfcheck"] != "passed"}
        s["selfcheck_failed_outside"] = {r["key"]: r["selfcheck_failed_outside"] for r in ok if r["selfcheck_failed_outside"]}
    return s


def print_report(rows, s, problems_only, with_selfcheck):
    header = f"{'entry':56s} {'expect':34s} {'score':>9s}  {'names given':40s}" + ("  self-check" if with_selfcheck else "")
    print(header)
    print("-" * len(header))
    for r in rows:
        if "score" not in r:
            print(f"{r['key']:56s} {r['expect'][:34]:34s}  !! {r.get('problem')}")
            continue
        if problems_only and not r["verdict"]:
            continue
        names = "; ".join(f"{n} x{k}" if k > 1 else n for n, k in r["names"].items()) or "-"
        line = f"{r['key'][:56]:56s} {r['expect'][:34]:34s} {r['score']:>4g}/{r['max_score']:<4g}  {names[:40]:40s}"
        if with_selfcheck:
            line += f"  {r['selfcheck']}"
        if r["verdict"]:
            line += "  <- " + ", ".join(r["verdict"])
        print(line)
    print("\nTotals")
    print(f"  entries: {s['entries']} ({', '.join(f'{k} {v}' for k, v in sorted(s['by_kind'].items()))})")
    print(f"  false fails (full/accepted/types losing points): {len(s['false_fails'])}  {s['false_fails']}")
    print(f"  missed bugs (named/wrong/inplace with full marks): {len(s['missed_bugs'])}  {s['missed_bugs']}")
    print(f"  wrong names: {s['wrong_name_count']} in {len(s['wrong_names'])} entries")
    for key, names in s["wrong_names"].items():
        print(f"      {key} -> {'; '.join(names)}")
    for group in ("catalogued", "proposed"):
        n = s[f"naming_{group}"]
        print(f"  named:{group}: {n.get('named', 0)} named on every failing case, {n.get('partly named', 0)} partly, "
              f"{n.get('unnamed', 0)} unnamed (of {n['total']})")
    print(f"  inplace: {s['inplace_naming']}")
    print(f"  points earned by zero entries: {s['zero_points']}  {s['zero_earning']}")
    print(f"  points lost outside the entry's function(s): {sum(v[0] for v in s['lost_outside'].values()):g}  "
          f"{s['lost_outside']}")
    if with_selfcheck:
        print(f"  self-check agrees with the grader (passes <=> full marks): {s['selfcheck_agreement']}")
        print(f"    self-check passes, grader takes points: {len(s['selfcheck_passes_grader_takes_points'])}")
        print(f"    self-check fails, grader gives full marks: {len(s['selfcheck_fails_grader_full_marks'])}")
        for key, why in s["selfcheck_fails_grader_full_marks"].items():
            print(f"      {key}: {why}")
        if s["selfcheck_failed_outside"]:
            print(f"    self-check failures outside the entry's function(s): {s['selfcheck_failed_outside']}")
    print("\nPer function")
    cols = ["entries", "false_fails", "missed", "wrong_names", "named", "zero_points"] + (["selfcheck_agree"] if with_selfcheck else [])
    print(f"  {'function':30s} " + " ".join(f"{c:>12s}" for c in cols))
    for function, values in s["per_function"].items():
        print(f"  {function:30s} " + " ".join(f"{str(values[c]):>12s}" for c in cols))
    for problem in s["problems"]:
        print(f"  !! {problem}")


if __name__ == "__main__":
    sys.exit(main())
