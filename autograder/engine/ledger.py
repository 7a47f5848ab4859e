"""The results ledger: one JSON line per graded submission, appended (and synced) as each finishes.

Running the same command again resumes: a submission whose files and checks version match its
latest line is not graded again, unless ``force``. A line cut short by a kill is ignored (and cut
off before the next append). A lock file keeps two graders from writing the same ledger at once.
"""
import fcntl
import hashlib
import json
import os
import time
from functools import lru_cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
# everything that decides a score: the engine and the assignment's content
SCORING = ("course.py", "incell.py", "engine/*.py", "engine/hidden/*", "engine/sandbox/*.py", "*/cases.py", "*/inputs.py",
           "*/catalogue/*.py")


class Busy(RuntimeError):
    """Another grader holds the ledger."""


@lru_cache(maxsize=None)
def checks_version():
    """Changes whenever anything that decides a score changes: the hidden tests, cases, catalogue,
    comparison, scoring, the worker, or the reference notebooks."""
    from .. import course as _course
    course = _course.current()
    files = [p for pattern in SCORING for p in sorted(PACKAGE.glob(pattern)) if p.is_file()]
    files += sorted(course.source.glob("*.ipynb")) + [course.tools_path]
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class Ledger:
    def __init__(self, path, wait=False):
        self.path, self.wait = Path(path), wait
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._lock = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(self.lock_path, "a+")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | (0 if self.wait else fcntl.LOCK_NB))
        except BlockingIOError:
            self._lock.seek(0)
            holder = self._lock.read().strip() or "another process"
            self._lock.close()
            raise Busy(f"another grader is writing {self.path} ({holder}); "
                       "wait for it, or run with --wait to queue behind it") from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(f"pid {os.getpid()}, since {time.strftime('%Y-%m-%d %H:%M:%S')}")
        self._lock.flush()
        self._repair()
        return self

    def __exit__(self, *exc):
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()

    def _repair(self):
        """Cut off a last line left incomplete by a kill."""
        if not self.path.exists():
            return
        with open(self.path, "rb+") as f:
            data = f.read()
            end = data.rfind(b"\n") + 1
            if end != len(data):
                f.truncate(end)

    def lines(self):
        """(offset, entry) of every complete line."""
        if not self.path.exists():
            return
        with open(self.path, "rb") as f:
            offset = 0
            for raw in f:
                if raw.endswith(b"\n"):
                    try:
                        yield offset, json.loads(raw)
                    except ValueError:
                        pass
                offset += len(raw)

    def index(self):
        """key -> (offset, fingerprint, checks version) of the latest line per submission."""
        return {e["key"]: (o, e.get("fingerprint"), e.get("checks_version")) for o, e in self.lines()
                if isinstance(e, dict) and "key" in e}

    def append(self, record):
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def read(self, offset):
        with open(self.path, "rb") as f:
            f.seek(offset)
            return json.loads(f.readline())
