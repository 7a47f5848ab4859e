"""Plain-text tables and the JSON file of a grading run."""
import json
import os
import tempfile
import time
from pathlib import Path

MARKS = {"passed": "✓", "partial": "◐", "failed": "✗", "error": "!", "timeout": "⏱", "not implemented": "·"}


def _short(name):
    return "".join(part[0] for part in name.split("_"))[:4]


def class_table(records):
    """One line per student: score and one mark per function."""
    if not records:
        return "no submissions found"
    functions = [f["function"] for f in records[0]["functions"]]
    width = max(8, *(len(r["student"]) for r in records))
    head = f"{'student':<{width}}  {'score':>11}  " + " ".join(f"{_short(f):>4}" for f in functions)
    lines = [head, "-" * len(head)]
    for r in records:
        marks = " ".join(f"{MARKS.get(f['status'], '?'):>4}" for f in r["functions"])
        score = f"{round(r['score'], 2):g}/{r['max_score']:g}"
        lines.append(f"{r['student']:<{width}}  {score:>11}  {marks}")
    key = ", ".join(f"{_short(f)} = {f}" for f in functions)
    lines.append(f"\n{' '.join(f'{m} {s}' for s, m in MARKS.items())}\n{key}")
    return "\n".join(lines)


def student_table(record):
    """Per check (function) of one student: points, cases passed, first problem."""
    lines = [f"{record['student']}: {record['score']:g} / {record['max_score']:g}"]
    for problem in record.get("problems", []):
        lines.append(f"  ! {problem}")
    width = max(len(f["function"]) for f in record["functions"])
    for f in record["functions"]:
        first = next((c for c in record["checks"] if c["function"] == f["function"] and c["status"] != "passed"), None)
        why = f"  {first['status']}: {first['message']}" if first else ""
        lines.append(f"  {MARKS.get(f['status'], '?')} {f['function']:<{width}} {f['score']:>6g}/{f['max_score']:<3g}"
                     f" ({f['passed']}/{f['cases']} cases){why[:160]}")
    return "\n".join(lines)


_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder and ``os.replace``:
    a reader sees the old file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~_UMASK)           # mkstemp makes 0600; results and pages are shared
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


class Progress:
    """A progress bar with the time left, on stderr: redrawn in place on a terminal, otherwise a
    line every 10% (so logs stay short)."""

    def __init__(self, total, stream=None, width=30):
        import sys
        self.total, self.stream, self.width = total, stream or sys.stderr, width
        self.done = self.trouble = 0
        self.started = time.monotonic()
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.next_line = 0.1

    def __call__(self, record):
        self.done += 1
        if any(c["status"] in ("error", "timeout") for c in record["checks"]) or record.get("problems"):
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


def records(path):
    """The records of a results file, one at a time."""
    with open(path, encoding="utf-8") as f:
        yield from json.load(f)["submissions"]
