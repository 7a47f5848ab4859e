"""The untrusted side of grading: a fork server that runs students' functions on the cases' inputs.

Run as a script (``python -I -S worker.py CONTROL_FD PATH...``), inside the sandbox of the tier in
use (``tiers.py``). It imports numpy once (matplotlib is a lazy stand-in: importing it would make
every fork 7x slower), makes itself non-dumpable (no child can read its memory or copy its file
descriptors), receives the job's fixed part once ("setup": datasets, test inputs, the released
helper module that holds the notebook loader, the given code), then forks one child per submission.

Each child gets its own socket (passed with the "fork" request), so nothing a submission writes
can reach the next one. Before it reads the submission, the child locks itself down
(``harden.lock_down``: no new processes, no signals or ptrace outside itself, no network, no file
writes, rlimits), then parses the student's notebooks, executes their definitions and runs the
calls stage by stage, one ``outcome`` message per call. The reference functions a stage hands to
student code reach it only when the stage starts, after every function they could answer for was
checked: as source code, or (``hide_reference``) as stand-ins (``Channel.given``) that ask the
grader to run them, so that no reference code ever enters the sandbox.

This file imports nothing from the ``autograder`` package (inside the sandbox it does not exist):
only ``protocol.py``, ``harden.py`` and ``lazy.py``, which sit next to it.
"""
import array
import base64
import importlib
import json
import os
import select
import signal
import socket
import sys
import threading

if __name__ == "__main__":            # run with -I -S: the paths to numpy and to our modules first
    sys.path[:0] = sys.argv[2:]

import numpy as np  # noqa: E402

import harden  # noqa: E402
import lazy  # noqa: E402
import protocol  # noqa: E402

SETUP = {}                            # the job's fixed part, received once, inherited by every child

# Imported by the worker before any child runs: a locked child (another uid, Landlock) may be unable
# to read the Python installation, so what student code commonly imports must already be loaded.
PRELOAD = ("math", "cmath", "random", "itertools", "functools", "collections", "statistics", "copy", "numbers",
           "operator", "heapq", "bisect", "decimal", "fractions", "typing", "dataclasses", "warnings", "time",
           "re", "string", "json", "inspect", "pprint", "textwrap", "pathlib", "glob", "fnmatch", "enum", "abc",
           "contextlib", "types", "struct", "array", "datetime", "io", "csv", "traceback", "unicodedata", "timeit",
           "numpy.linalg", "numpy.random", "numpy.fft", "numpy.polynomial")


# ---------------------------------------------------------------------------------------------
# The child: one submission
# ---------------------------------------------------------------------------------------------

class GivenFunctionError(Exception):
    """A function the grader gave raised (the reference, on the arguments your code passed)."""


class Channel:
    """The child's end of its submission socket (what comes from the grader is trusted)."""

    def __init__(self, sock):
        self.sock, self.buffer, self.lines = sock, bytearray(), []
        self.asks, self.refs = 0, {}          # asks made; per open ask, what stays here ({"$ref": k})

    def send(self, message):
        self.sock.sendall(protocol.encode_message(message))

    def _next(self):
        while not self.lines:
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise EOFError("the grader closed the channel")
            self.lines += protocol.read_messages(self.buffer, chunk, limit=None)
        return json.loads(self.lines.pop(0))

    def receive(self):
        """The grader's next message that is not the oracle's (a late reply or callback of an ask
        that was given up, after a timeout, is dropped)."""
        while True:
            message = self._next()
            if "reply" not in message and "call" not in message:
                return message

    def given(self, name=None, remote=None):
        """A stand-in for a function the grader runs: the reference ``name``, or an object the
        reference returned (``remote``)."""
        def call(*args, **kwargs):
            return self.ask(name, remote, args, kwargs)
        call.__name__ = call.__qualname__ = name or "function"
        return call

    def ask(self, name, remote, args, kwargs):
        self.asks += 1
        ask, refs = self.asks, []
        message = {"event": "ask", "ask": ask, "args": protocol.encode_value(tuple(args), refs),
                   "kwargs": {k: protocol.encode_value(v, refs) for k, v in kwargs.items()}}
        message.update({"name": name} if remote is None else {"remote": remote})
        self.refs[ask] = refs
        try:
            self.send(message)
            while True:
                message = self._next()
                if message.get("reply") == ask:
                    if "error" in message:
                        raise GivenFunctionError(f"{name or 'the function'} raised {message['error']}")
                    return protocol.decode_value(message["value"], lambda k: self.given(remote=k))
                if "call" in message and message["ask"] in self.refs:
                    self._answer(message)
        finally:
            del self.refs[ask]

    def _answer(self, call):
        """A callback of the reference: one of the arguments that stayed here, called."""
        target = self.refs[call["ask"]][call["ref"]]
        try:
            function = getattr(target, call["method"]) if call["method"] else target
            args = protocol.decode_value(call["args"], lambda k: None)
            value = protocol.encode_value(function(*args), [])
            answer = {"event": "answer", "answer": call["call"], "value": value}
        except Exception as error:  # noqa: BLE001 - the student's function may raise anything
            answer = {"event": "answer", "answer": call["call"], "error": protocol.describe(error)}
        self.send(answer)


def _load(notebooks):
    """Parse the student's notebooks with the released helper's loader and execute their kept definitions
    after the given code, one namespace per notebook."""
    tools = SETUP["loader"]
    own = lambda cell: not (tools.is_test_cell(cell) or tools.is_given_cell(cell))  # noqa: E731
    namespaces, errors, problems, broken = {}, [], [], {}
    for notebook in notebooks:
        name = notebook["name"]
        chunks = []
        if notebook.get("data") is not None:
            text = base64.b64decode(notebook["data"]).decode("utf-8", errors="replace")
            defs = tools.parse_notebook(name, text, own)
            problems += [{"kind": p.kind, "notebook": name, "message": p.message} for p in defs.problems]
            broken.update(defs.broken)
            if defs.readable:
                chunks = [tools.Chunk(*c) for c in SETUP["given"][name]] + list(defs.chunks)
        namespace = {"__name__": name.rsplit(".", 1)[0], "__builtins__": __builtins__}
        for chunk in chunks:
            try:
                exec(tools.compile_chunk(name, chunk), namespace)
            except BaseException as error:  # noqa: BLE001 - student code may raise anything
                errors.append({"kind": "load_error", "notebook": name, "message": protocol.describe(error)})
        namespaces[name] = namespace
    functions = {}
    for name, home in SETUP["functions"].items():     # graded name -> the notebook it belongs to
        for notebook in [home] + [n["name"] for n in notebooks if n["name"] != home]:
            if callable(namespaces.get(notebook, {}).get(name)):
                functions[name] = namespaces[notebook][name]
                break
    return namespaces, functions, {"errors": errors, "problems": problems, "broken": broken}


def child_main(sock):
    """Run one submission; every outcome goes to the grader as one message."""
    channel = Channel(sock)
    job = channel.receive()                                   # from the grader, not the student
    limits = SETUP["limits"]
    harden.lock_down(SETUP["policy"], memory_mb=limits["memory_mb"])
    channel.send({"event": "locked"})                          # from here on, what fails is the student's
    env = {"datasets": {k: (np.array(x, dtype=float), np.array(y, dtype=float))
                        for k, (x, y) in SETUP["datasets"].items()}, "inputs": {}}
    exec(compile(SETUP["test_inputs"], "<grader test inputs>", "exec"), env["inputs"])
    namespaces, functions, found = _load(job["notebooks"])
    channel.send({"event": "loaded", "defined": sorted(functions), **found})
    timed_out, own = set(), {}          # own: the student's versions of what the reference replaced
    for index, stage in enumerate(job["stages"]):
        if stage["inputs"]:             # the grader hands over the stage's reference functions only now
            channel.send({"event": "stage", "stage": index})
            handover = channel.receive()      # their source, or only their names (hide_reference)
            exec(compile(handover.get("inputs", ""), "<grader inputs>", "exec"), env["inputs"])
            env["inputs"].update({name: channel.given(name) for name in handover.get("given", ())})
            for namespace in namespaces.values():     # builds-on: the reference in their place
                for name in stage["inject"]:
                    own.setdefault((id(namespace), name), (namespace, namespace.get(name)))
                    namespace[name] = env["inputs"][name]
        for call in stage["calls"]:
            if call["function"] in timed_out:
                outcome = protocol.skipped(call["function"])
            else:
                with _own_versions(own if call.get("own") else {}):
                    try:
                        outcome = protocol.run_call(call, functions, env, limits["call_seconds"])
                    except BaseException as error:  # noqa: BLE001 - e.g. the timer fired in between
                        kind, message = protocol.outcome_of_error(error, call["function"], limits["call_seconds"])
                        outcome = {"kind": kind, "message": message}
                if outcome["kind"] == protocol.TIMEOUT:
                    timed_out.add(call["function"])
            channel.send({"event": "outcome", "call": call["id"], **outcome})
    channel.send({"event": "done"})


class _own_versions:
    """For a diagnosis call: the student's own functions back in place of the injected reference."""

    def __init__(self, own):
        self.own, self.injected = own, []

    def __enter__(self):
        for (_, name), (namespace, original) in self.own.items():
            self.injected.append((namespace, name, namespace.get(name)))
            if original is None:
                namespace.pop(name, None)
            else:
                namespace[name] = original

    def __exit__(self, *exc):
        for namespace, name, value in self.injected:
            namespace[name] = value
        return False


def probe_main(sock, secrets):
    """Lock down as a child would, then try what an attacker would; report what got through."""
    channel = Channel(sock)
    try:
        harden.lock_down(SETUP["policy"], memory_mb=SETUP["limits"]["memory_mb"])
    except BaseException as error:  # noqa: BLE001 - any failure means: not safe
        channel.send({"event": "probe", "escaped": [], "error": f"{type(error).__name__}: {error}"})
        return
    escaped = []

    def attempt(what, action):
        try:
            action()
            escaped.append(what)
        except Exception:  # noqa: BLE001 - whatever stopped it, it did not get through
            pass

    def write(folder):
        name = os.path.join(folder, f".grader-probe-{os.getpid()}")
        open(name, "x").close()
        os.unlink(name)                          # it got through: leave nothing behind

    for path in secrets:
        attempt(f"read {path}", lambda: open(path, "rb").read(1))
        attempt(f"write next to {path}", lambda: write(os.path.dirname(path)))
    attempt("write /tmp", lambda: write("/tmp"))
    attempt("start a process", os.fork)
    attempt("start a thread", lambda: threading.Thread(target=int).start())
    attempt("signal the worker", lambda: os.kill(os.getppid(), 0))
    attempt("open a socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM))
    channel.send({"event": "probe", "escaped": escaped})


def _fork_child(sock, main, *args):
    pid = os.fork()
    if pid:
        return pid
    try:                                             # the child: never returns
        os.setsid()
        for fd in (0, 1, 2):
            os.dup2(SETUP["devnull"], fd)
        os.closerange(3, sock.fileno())
        os.closerange(sock.fileno() + 1, 1 << 16)
        main(sock, *args)
    except BaseException:  # noqa: BLE001 - nothing may escape into the server loop
        pass
    os._exit(0)


# ---------------------------------------------------------------------------------------------
# The fork server
# ---------------------------------------------------------------------------------------------

def _receive(control, pending, fds):
    """The next request from the grader; file descriptors that came with the bytes join ``fds``
    (in order: each "fork" request takes the next one)."""
    while b"\n" not in pending:
        data, ancillary, _, _ = control.recvmsg(1 << 20, socket.CMSG_SPACE(4 * 4))
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                received = array.array("i")
                received.frombytes(payload[:len(payload) - len(payload) % 4])
                fds.extend(received)
        if not data:
            raise EOFError
        pending += data
    line, rest = pending.split(b"\n", 1)
    return json.loads(line), rest


def serve(control):
    """Fork server loop: setup | probe (+ socket) | fork (+ socket) | kill | quit."""
    harden.protect_server()
    control.sendall(protocol.encode_message({"event": "ready"}))
    pending, child, pidfd, fds = b"", None, None, []
    while True:
        watched = [control] + ([pidfd] if pidfd is not None else [])
        readable = [control] if b"\n" in pending else select.select(watched, [], [])[0]
        if pidfd is not None and pidfd in readable:
            _, status = os.waitpid(child, 0)
            _killpg(child)
            os.close(pidfd)
            child = pidfd = None
            control.sendall(protocol.encode_message({"event": "exited", "code": os.waitstatus_to_exitcode(status)}))
        if control not in readable:
            continue
        try:
            message, pending = _receive(control, pending, fds)
        except EOFError:
            break
        op = message.get("op")
        if op == "setup":
            SETUP.update(message["setup"], devnull=os.open(os.devnull, os.O_RDWR))   # opened before Landlock
            SETUP["loader"] = importlib.import_module(SETUP["tools"])   # the released helper, once
            harden.prepare_server(SETUP["policy"])
        elif op in ("fork", "probe") and fds:
            sock = socket.socket(fileno=fds.pop(0))
            if child is None:
                child = _fork_child(sock, child_main) if op == "fork" else \
                    _fork_child(sock, probe_main, message.get("secrets", []))
                pidfd = os.pidfd_open(child)
            sock.close()
        elif op == "kill" and child is not None:
            _killpg(child)
        elif op == "quit":
            break
    if child is not None:
        _killpg(child)


def _killpg(pid):
    for kill in (os.killpg, os.kill):
        try:
            kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def main(argv):
    """worker.py CONTROL_FD [PATH...]: the extra paths go on sys.path (numpy, our modules)."""
    lazy.lazy_matplotlib()
    for name in PRELOAD:
        importlib.import_module(name)
    serve(socket.socket(fileno=int(argv[1])))


if __name__ == "__main__":
    main(sys.argv)
