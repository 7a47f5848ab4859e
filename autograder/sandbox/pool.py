"""The trusted side of the sandbox: start fork servers, send jobs, enforce time limits.

A ``Worker`` is one fork server (``worker.py``), inside bubblewrap when ``bwrap`` works: no network,
read-only system, only the Python installation and a scratch tmpfs visible, the course directory
(sources, solutions, gradebook, hidden tests, other students) absent, its own PID namespace, user
``nobody``. Without bwrap it is still a separate process (and the run says so once).

For each submission the worker forks one child, which runs the calls in stages (``cases.stages()``):
at the start of a stage the grader writes the reference code the stage needs (the losses and
gradients passed to optimisers, the graded functions others build on) straight to the child, and
no function is checked after its reference arrived. A call that outlives its limit gets the child
killed; the remaining calls of that function are skipped, the others run in a new child.
"""
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path

WORKER = Path(__file__).with_name("worker.py")
MAX_LINE = 64 << 20
GRACE = 1.0                 # seconds the hard limit adds to the child's own soft timer
MAX_CHILDREN = 12           # per submission: crash loops end here


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 3.0      # per call of a student function
    load_seconds: float = 10.0     # running the notebook definitions
    memory_mb: int = 512           # address space a child may add to the fork server's


class WorkerDied(Exception):
    pass


def _package_dirs(*modules):
    """The sys.path entries that hold these modules (site-packages, usually); found on disk, not
    through sys.modules (which may hold a lazy stand-in)."""
    return sorted({str(Path(PathFinder.find_spec(m).origin).parent.parent) for m in modules})


@lru_cache(maxsize=None)
def bwrap_works():
    """True if bubblewrap can start a sandbox here (binary present and namespaces allowed)."""
    path = shutil.which("bwrap")
    if not path:
        return False
    try:
        probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent",
                                "true"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def sandbox_command(helper_dir, control_fd, data_fd, hidden=()):
    """The argv of a sandboxed fork server; ``hidden`` are extra host paths to mask."""
    python = sys.executable
    paths = _package_dirs("numpy", "matplotlib")
    prefixes = sorted({sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(python))})
    args = [shutil.which("bwrap"), "--unshare-all", "--die-with-parent", "--new-session",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    if os.geteuid() == 0:                       # never root inside: become nobody, drop capabilities
        args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"]
    for system_dir in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin"):
        args += ["--ro-bind-try", system_dir, system_dir]
    for path in prefixes + paths:
        args += ["--ro-bind", path, path]
    for path in hidden:                          # e.g. the autograder package if installed there
        if any(str(path).startswith(p + os.sep) for p in prefixes + paths):
            args += ["--tmpfs", str(path)]
    args += ["--ro-bind", str(WORKER), "/grader/worker.py",
             "--ro-bind", str(helper_dir), "/grader/lib", "--remount-ro", "/", "--chdir", "/tmp",
             python, "-I", "-S", "/grader/worker.py", str(control_fd), str(data_fd), "/tmp",
             "/grader/lib", *paths]
    return args


def plain_command(helper_dir, control_fd, data_fd, scratch):
    paths = _package_dirs("numpy", "matplotlib")
    return [sys.executable, "-I", "-S", str(WORKER), str(control_fd), str(data_fd), scratch,
            str(helper_dir), *paths]


WORKER_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
              "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


class Channel:
    """Line-oriented JSON over a socket, with deadlines."""

    def __init__(self, sock):
        self.sock, self.buffer = sock, b""

    def send(self, message):
        self.sock.sendall((json.dumps(message) + "\n").encode())

    def pop(self):
        """The next complete message already received, or None."""
        if b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE:
                raise ValueError("a message from the sandbox is too long")
            return None
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def fill(self):
        """Read what is available; False at end of file."""
        chunk = self.sock.recv(1 << 20)
        self.buffer += chunk
        return bool(chunk)

    def ready(self):
        return b"\n" in self.buffer

    def fill_available(self):
        """Read whatever is already there, without waiting."""
        self.sock.setblocking(False)
        try:
            while self.fill():
                pass
        except (BlockingIOError, InterruptedError):
            pass
        finally:
            self.sock.setblocking(True)

    def drain(self):
        self.fill_available()
        self.buffer = b""


class Worker:
    """One fork server and the two channels to it (control: the server; data: its children)."""

    def __init__(self, helper_dir, sandbox=True, limits=Limits(), hidden=()):
        self.helper_dir, self.sandbox, self.limits, self.hidden = helper_dir, sandbox, limits, hidden
        self.proc = None
        self.start()

    def start(self):
        control, control_child = socket.socketpair()
        data, data_child = socket.socketpair()
        fds = (control_child.fileno(), data_child.fileno())
        self.scratch = None
        if self.sandbox:
            argv = sandbox_command(self.helper_dir, *fds, hidden=self.hidden)
        else:
            self.scratch = tempfile.mkdtemp(prefix="grader-scratch-")
            argv = plain_command(self.helper_dir, *fds, self.scratch)
        self.proc = subprocess.Popen(argv, pass_fds=fds, env=WORKER_ENV, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     cwd=self.scratch or "/")
        control_child.close()
        data_child.close()
        self.control, self.data = Channel(control), Channel(data)
        ready = self._wait({"control"}, 120.0)
        if ready is None or ready[1].get("event") != "ready":
            error = self.proc.stderr.read1(4000).decode(errors="replace") if self.proc.stderr else ""
            self.close()
            raise WorkerDied(f"the grading worker did not start: {error.strip() or ready}")

    def close(self):
        if self.proc and self.proc.poll() is None:
            try:
                self.control.send({"op": "quit"})
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stderr:
            self.proc.stderr.close()
        for channel in ("control", "data"):
            if hasattr(self, channel):
                getattr(self, channel).sock.close()
        if self.scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def restart(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
        if self.proc:
            self.proc.wait()
        self.close()
        self.start()

    # -- messages ------------------------------------------------------------------------------

    def _wait(self, channels, seconds):
        """(channel name, message) of the next message on one of ``channels``, or None on timeout.

        Data comes first: a child's last results are in the socket before the server reports its exit.
        """
        deadline = time.monotonic() + seconds
        named = {"control": self.control, "data": self.data}
        order = [n for n in ("data", "control") if n in channels]
        while True:
            if "data" in channels and self.control.ready():
                self.data.fill_available()
            for name in order:
                message = named[name].pop()
                if message is not None:
                    return name, message
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([named[n].sock for n in order], [], [], left)
            for name in order:
                if named[name].sock in ready and not named[name].fill():
                    raise WorkerDied("the grading worker stopped")

    def _finish_child(self, kill):
        """Make sure the current child is gone and the data channel is empty."""
        if kill:
            self.control.send({"op": "kill"})
        while True:
            got = self._wait({"control"}, 15.0)
            if got is None:
                raise WorkerDied("the grading worker did not stop a child")
            if got[1].get("event") == "exited":
                self.data.drain()
                return got[1]["code"]

    # -- one child -----------------------------------------------------------------------------

    def run_child(self, job, sources):
        """Run one child on ``job["stages"]``; ``sources[k]`` is stage k's reference code (or None).
        Returns (loaded, events, interruption): interruption is None, ("timeout", call id),
        ("crash", call id, exit code) or ("protocol", call id)."""
        loaded, events, self._loaded = None, [], None
        waiting = [c["id"] for stage in job["stages"] for c in stage["calls"]]
        try:
            self.control.send({"op": "fork", "job": job})
            return self._follow(job, sources, loaded, events, waiting)
        except (WorkerDied, OSError) as died:             # e.g. student code killed the fork server
            self.restart()
            return self._loaded, events, ("died", waiting[0] if waiting else None, str(died))

    def _follow(self, job, sources, loaded, events, waiting):
        firsts = [stage["calls"][0]["id"] for stage in job["stages"]]
        limit = self.limits.load_seconds
        while True:
            got = self._wait({"control", "data"}, limit)
            if got is None:                           # over time: kill, blame the current call
                self._finish_child(kill=True)
                return loaded, events, ("timeout", waiting[0] if waiting else None)
            channel, message = got
            if channel == "control" and message.get("event") == "exited":
                self.data.drain()
                return loaded, events, ("crash", waiting[0] if waiting else None, message["code"])
            event, stage = message.get("event"), message.get("stage")
            if event == "loaded" and loaded is None:
                loaded = self._loaded = message
            elif event == "stage" and isinstance(stage, int) and 0 <= stage < len(firsts) and \
                    waiting and waiting[0] == firsts[stage] and sources[stage] is not None:
                self.data.send({"inputs": sources[stage]})   # every earlier call is answered
            elif event in ("result", "error") and waiting and message.get("call") == waiting[0]:
                events.append(message)
                waiting.pop(0)
            elif event == "done" and not waiting:
                code = self._finish_child(kill=False)
                return loaded, events, None if code == 0 else ("crash", None, code)
            else:                                    # out of order or forged: stop trusting it
                self._finish_child(kill=True)
                return loaded, events, ("protocol", waiting[0] if waiting else None)
            limit = self.limits.call_seconds + GRACE

    # -- one submission ------------------------------------------------------------------------

    def run(self, job, calls, plan):
        """Run all ``calls`` of one submission in the stages of ``plan``: [(call ids, reference
        source or None, names to inject)]. Returns (loaded, outcomes by call id)."""
        outcomes, loaded, deaths = {}, None, set()
        todo = [[calls[i] for i in ids] for ids, _, _ in plan]
        for children in range(1, MAX_CHILDREN + 2):
            remaining = [k for k, stage in enumerate(todo) if stage]
            if not remaining:
                break
            if children > MAX_CHILDREN:
                for call in (c for k in remaining for c in todo[k]):
                    outcomes[call["id"]] = _error(call, "exception",
                                                  "not run: your code crashed the grader's process too often")
                break
            stages = [{"calls": todo[k], "inputs": plan[k][1] is not None, "inject": plan[k][2]}
                      for k in remaining]
            got_loaded, events, interruption = self.run_child(dict(job, stages=stages),
                                                              [plan[k][1] for k in remaining])
            loaded = loaded or got_loaded
            if got_loaded is None and interruption is not None:   # the definitions never loaded
                for call in calls:
                    outcomes.setdefault(call["id"], _error(
                        call, "exception" if interruption[0] != "timeout" else "timeout",
                        "not run: your notebooks' definitions did not load "
                        "(they took too long or crashed the process)"))
                return loaded, outcomes
            for event in events:
                outcomes[event["call"]] = event
            todo = [[c for c in stage if c["id"] not in outcomes] for stage in todo]
            if interruption is None:
                continue
            left = [c for stage in todo for c in stage]
            culprit = next((c for c in left if c["id"] == interruption[1]), left[0] if left else None)
            if culprit is None:
                continue
            if interruption[0] == "died" and culprit["id"] not in deaths:
                deaths.add(culprit["id"])            # the death may have come from an earlier call: retry once
                continue
            outcomes[culprit["id"]] = _interrupted(culprit, interruption, self.limits)
            if interruption[0] == "timeout":          # a hang costs that function only
                for call in (c for c in left if c["function"] == culprit["function"] and c is not culprit):
                    outcomes[call["id"]] = _error(call, "timeout",
                                                  "not run: an earlier case of this function timed out")
            todo = [[c for c in stage if c["id"] not in outcomes] for stage in todo]
        return loaded, outcomes


def _error(call, kind, message):
    return {"event": "error", "call": call["id"], "kind": kind, "message": message}


def _interrupted(call, interruption, limits):
    kind = interruption[0]
    if kind == "timeout":
        return _error(call, "timeout", f"took longer than {limits.call_seconds:g} s (killed)")
    if kind == "crash":
        code = interruption[2]
        how = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
        return _error(call, "exception", f"the process running your code ended ({how}): "
                                         "a crash, os._exit, or a memory limit")
    if kind == "protocol":
        return _error(call, "exception", "your code wrote to the grader's channel; results discarded")
    return _error(call, "exception", f"your code stopped the grader's worker process ({interruption[2]}); "
                                     "it was restarted")
