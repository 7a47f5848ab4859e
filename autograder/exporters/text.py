"""Plain-text tables of a grading run, and its progress bar."""
import sys
import time

from ..engine.results import NOTE_KINDS, format_points, points_word

MARKS = {"passed": "✓", "partial": "◐", "failed": "✗", "error": "!", "timeout": "⏱", "not implemented": "·"}


def _short(name):
    return "".join(part[0] for part in name.split("_"))[:4]


def class_table(summaries):
    """One line per student: score and one mark per function (summaries from ``grade_batch``)."""
    if not summaries:
        return "no submissions"
    functions = [f["function"] for f in summaries[0]["functions"]]
    width = max(8, *(len(r["student"]) for r in summaries))
    head = f"{'student':<{width}}  {'score':>13}  " + " ".join(f"{_short(f):>4}" for f in functions)
    lines = [head, "-" * len(head)]
    for r in summaries:
        marks = " ".join(f"{MARKS.get(f['status'], '?'):>4}" for f in r["functions"])
        lines.append(f"{r['student']:<{width}}  {format_points(r['score']) + '/' + format_points(r['max_score']):>13}  {marks}")
    key = ", ".join(f"{_short(f)} = {f}" for f in functions)
    lines.append(f"\n{' '.join(f'{m} {s}' for s, m in MARKS.items())}\n{key}")
    return "\n".join(lines)


def student_table(record):
    """Per function of one student (a Record): points, cases passed, the first problem."""
    lines = [f"{record.student}: {format_points(record.score)} / {format_points(record.max_score)}"]
    lines += [f"  {'note:' if problem.kind in NOTE_KINDS else '!'} {problem.message}" for problem in record.problems]
    width = max(len(f.function) for f in record.functions)
    for f in record.functions:
        first = next((c for c in record.cases_of(f.function) if not c.passed), None)
        why = f"  {first.status}: {first.message}" if first else ""
        lines.append(f"  {MARKS.get(f.status, '?')} {f.function:<{width}} {format_points(f.score):>6}/"
                     f"{format_points(f.max_score):<6} ({f.passed}/{f.cases} cases){why[:160]}")
    return "\n".join(lines)


def function_report(function, cases):
    """What a function's hidden-test cell prints (in the notebook under nbgrader autograde, and in
    the autograded copy the formgrader shows): the score, then each case not passed or passed as
    an accepted form."""
    lines = [f"{function.function}: {function.passed}/{function.cases} hidden cases passed, "
             f"{format_points(function.score)} of {format_points(function.max_score)} "
             f"{points_word(function.max_score)}"]
    named = function.mistake or function.accepted
    if named:
        lines.append(f"  {'accepted form' if function.accepted else 'known mistake'}: {named.name}")
    for case in cases:
        if not case.passed or case.accepted:
            lines.append(f"  {'✓' if case.passed else '✗'} {case.about}: {case.status}, {case.message}")
    lines += [f"  note: {note}" for note in function.notes]
    return "\n".join(lines)


class Progress:
    """A progress bar with the time left, on stderr: redrawn in place on a terminal, otherwise a
    line every 10% (so logs stay short)."""

    def __init__(self, total, stream=None, width=30):
        self.total, self.stream, self.width = total, stream or sys.stderr, width
        self.done = self.trouble = 0
        self.started = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.next_line = 0.1

    def __call__(self, record):
        self.done += 1
        if record.problems or any(c.status in ("error", "timeout") for c in record.cases):
            self.trouble += 1
        fraction = self.done / max(self.total, 1)
        if not self.tty and fraction < self.next_line and self.done != self.total:
            return
        self.next_line = fraction + 0.1
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        bar = "#" * round(self.width * fraction) + "." * (self.width - round(self.width * fraction))
        line = (f"[{bar}] {self.done}/{self.total}  {elapsed / self.done:.2f} s each  "
                f"{_clock(left)} left  ({self.trouble} with errors or timeouts)")
        self.stream.write(("\r" + line) if self.tty else line + "\n")
        if self.tty and self.done == self.total:
            self.stream.write("\n")
        self.stream.flush()


def _clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
