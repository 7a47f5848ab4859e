"""Gradescope's ``results.json`` for a grader Record.

One test per graded function: name, score, max_score, status (passed/failed) and an output that
lists its failed cases with the grader's message (what the student returned and, for a
trajectory, the reference at the first divergent step only). Late penalties are Gradescope's
business (its own due dates). Visibility is chosen by the instructor (``Visibility``): the scores
per function, and separately the per-case details (inputs, expected values), each one of
Gradescope's values ``visible``, ``after_due_date``, ``after_published``, ``hidden``. The zip that
produces these files inside Gradescope is ``autograder.cycle.gradescope``.

Text that student code can choose (what its exceptions say, anything reported from inside the
sandbox) appears only with the details' visibility: the top-level output, shown with the scores,
holds the grader's own words (the score, the files as handed in, counts of problems).
"""
import json
from dataclasses import dataclass
from pathlib import Path

from ..engine.files import write_atomic
from ..engine.protocol import clean_text
from ..engine.results import NOTE_KINDS, format_points, points_word

OUTPUT_LIMIT = 8000          # characters of output per test (Gradescope shows long outputs badly)
LOADING = "Loading your notebooks"
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


@dataclass(frozen=True)
class Visibility:
    scores: str = "visible"              # each function's score and a one-line summary
    details: str = "after_due_date"      # each failed case: its inputs, the expected value, the message

    def __post_init__(self):
        for value in (self.scores, self.details):
            if value not in VISIBILITIES:
                raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {value!r}")


def _summary(f):
    text = (f"{f.passed}/{f.cases} hidden cases passed ({format_points(f.score)} of "
            f"{format_points(f.max_score)} {points_word(f.max_score)}).")
    if f.mistake:
        text += f" Known mistake: {f.mistake.name}. {f.mistake.hint}"
    return clean_text(text, OUTPUT_LIMIT)


def _details(f, cases):
    lines = [f"{f.function}: the cases that did not pass"]
    lines += [f"✗ {c.about}: {c.status}: {c.message}" for c in cases if not c.passed]
    return _truncated(clean_text("\n".join(lines), 10 * OUTPUT_LIMIT))


def results(record, visibility=Visibility()):
    """Gradescope's results.json (as a dict) for one Record."""
    tests = []
    for number, f in enumerate(record.functions, 1):
        passed = f.status == "passed"
        tests.append({"name": f"{f.function} ({f.notebook})", "number": f"{number}.1",
                      "score": float(f.score), "max_score": float(f.max_score),
                      "status": "passed" if passed else "failed", "output": _summary(f),
                      "visibility": visibility.scores})
        if not passed:
            tests.append({"name": f"{f.function}: failed cases", "number": f"{number}.2", "score": 0.0,
                          "max_score": 0.0, "status": "failed", "output": _details(f, record.cases_of(f.function)),
                          "visibility": visibility.details})
    lines = [f"Score: {format_points(record.score)} / {format_points(record.max_score)}"]
    lines += [f"{'Note' if p.kind in NOTE_KINDS else 'Problem'}: {clean_text(p.message)}"
              for p in record.problems if not p.reported]
    reported = [p for p in record.problems if p.reported]
    if reported:           # their words are the student code's: shown with the details' visibility
        where = sorted({p.notebook for p in reported if p.notebook})
        lines.append(f"Problem: {len(reported)} while loading your notebooks"
                     f"{' (' + ', '.join(where) + ')' if where else ''}: see “{LOADING}”")
        text = "\n".join(f"{'Note' if p.kind in NOTE_KINDS else 'Problem'}: {p.message}" for p in reported)
        tests.insert(0, {"name": LOADING, "number": "0.1", "score": 0.0, "max_score": 0.0, "status": "failed",
                      "output": _truncated(clean_text(text, 10 * OUTPUT_LIMIT)), "visibility": visibility.details})
    return {"score": float(record.score), "output": _truncated("\n".join(lines)), "visibility": visibility.scores,
            "stdout_visibility": "hidden", "tests": tests}


def _truncated(text):
    return text if len(text) <= OUTPUT_LIMIT else text[:OUTPUT_LIMIT - 20] + "\n… (truncated)"


def failure_results(message, max_score=None):
    """results.json when there is nothing to grade or the grader failed: score 0, a clear message."""
    return {"score": 0.0, "output": message, "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [] if max_score is None else
            [{"name": "autograder", "score": 0.0, "max_score": float(max_score), "status": "failed",
              "output": message, "visibility": "visible"}]}


def write(path, data):
    """Write a results.json atomically."""
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False))
    return Path(path)


def write_all(records, outdir, visibility=Visibility()):
    """``<outdir>/<student>/results.json`` for every Record; returns {student: path}."""
    return {r.student: write(Path(outdir) / r.student / "results.json", results(r, visibility)) for r in records}
