"""The trusted side of the sandbox: one worker (a fork server), and one submission's calls run in
its children with time limits, trusting nothing that comes back.

For each child the grader makes a new socket pair and hands one end to the worker with the "fork"
request: the child's messages arrive on the other end, so no child can reach another submission.
Every message is validated (``protocol.parse_message``) and must come in order: "locked" (the
child has locked itself down: until then a failure is the worker's, not the student's), "loaded",
then per stage an optional "stage" request (answered with the reference functions the stage hands
over, only once every earlier call is answered), one "outcome" per call, "done". With
``Limits.hide_reference`` the answer holds only their names, and between those messages come
"ask": a call of one of them, which runs here, in the grader (the oracle; it may call back what
stayed in the sandbox, "call" and "answer"). Anything else is a protocol error
of that call. Time runs per message: only a complete message restarts a call's clock, and a child
has at most the sum of its calls' limits. A call that outlives its limit gets the child killed; the
remaining calls of that function are skipped, the others run in a new child. After any surprise
the worker is replaced; a child that could not lock itself down is retried once on a new worker.
"""
import array
import base64
import collections
import json
import select
import socket
import subprocess
import time
from dataclasses import dataclass, field

import numpy as np

from .. import protocol
from .harden import Unsafe
from .tiers import WORKER_ENV

GRACE = 1.0                 # seconds the hard limit adds to the child's own soft timer
MAX_CHILDREN = 12           # per submission: crash loops end here
MAX_BYTES = 48 << 20        # everything one submission's children may send, together
MAX_ASKS = 200_000          # calls of the oracle and callbacks per child (honest: a few thousand)
SUBMISSION_SECONDS = 180    # wall time one submission may take (honest ones: about a second)


@dataclass(frozen=True)
class Limits:
    call_seconds: float = 3.0      # per call of a student function
    load_seconds: float = 10.0     # parsing and running the notebooks' definitions
    memory_mb: int = 512           # address space a child may add to the worker's
    hide_reference: bool = False   # the reference runs here, never in the sandbox (the oracle)


class WorkerDied(Exception):
    pass


@dataclass
class Stop:
    """Why a child stopped before "done": kind is an outcome kind (timeout, crashed, protocol)."""
    kind: str
    message: str
    call: int = None               # the call it was running (the one awaited), if any


@dataclass
class Child:
    """What one child reported."""
    locked: bool = False                             # it said it had locked itself down
    loaded: dict = None
    outcomes: dict = field(default_factory=dict)     # call id -> outcome body
    stop: Stop = None
    received: int = 0                                # bytes it sent


class Supervisor:
    """One worker process and its control socket."""

    def __init__(self, tier, helper_dir, setup, limits=Limits(), secrets=(), oracle=None):
        """``setup``: the job's fixed part, with this worker's ``policy``; ``secrets``: files no
        child may read (the probe tries); ``oracle``: name -> the reference function handed over."""
        self.tier, self.helper_dir, self.setup, self.limits, self.secrets = tier, helper_dir, setup, limits, secrets
        self.oracle = oracle or {}
        self.proc = None
        self.start()

    # -- the worker ----------------------------------------------------------------------------

    def start(self):
        control, theirs = socket.socketpair()
        argv, cwd = self.tier.command(self.helper_dir, theirs.fileno())
        self.proc = subprocess.Popen(argv, pass_fds=(theirs.fileno(),), env=WORKER_ENV, cwd=cwd,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        theirs.close()
        self.control, self.buffer, self.lines = control, bytearray(), []
        ready = self._control_message(120.0)
        if ready is None or ready.get("event") != "ready":
            error = self.proc.stderr.read1(4000).decode(errors="replace") if self.proc.stderr else ""
            self.close()
            raise WorkerDied(f"the grading worker did not start: {error.strip() or ready}")
        self._send_control({"op": "setup", "setup": self.setup})
        if self.tier.sandboxed:
            self._probe()

    def _probe(self):
        """A child locks down and tries to escape; Unsafe unless nothing got through."""
        mine, theirs = socket.socketpair()
        try:
            self._send_control({"op": "probe", "secrets": [str(p) for p in self.secrets]}, fds=[theirs.fileno()])
            theirs.close()
            mine.settimeout(30)
            report = protocol.parse_message(mine.makefile("rb").readline(protocol.MAX_MESSAGE))
            self._exit_code(kill=True)
        except (OSError, protocol.ProtocolError, WorkerDied) as error:
            self.close()
            raise Unsafe(f"the {self.tier.name} sandbox could not be checked here ({error})") from None
        finally:
            theirs.close()
            mine.close()
        if report.get("event") != "probe" or report.get("error") or report.get("escaped"):
            self.close()
            what = report.get("error") or "a locked child could " + ", ".join(report.get("escaped", ["?"]))
            raise Unsafe(f"the {self.tier.name} sandbox does not hold here: {what}")

    def close(self):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                self._send_control({"op": "quit"})
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()
        self.control.close()
        self.proc = None

    def restart(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        self.close()
        self.start()

    def _send_control(self, message, fds=()):
        data = protocol.encode_message(message)
        if fds:
            self.control.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())])
        else:
            self.control.sendall(data)

    def _control_message(self, seconds):
        """The worker's next message within ``seconds``, or None; WorkerDied if it is gone."""
        deadline = time.monotonic() + seconds
        while not self.lines:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.control], [], [], left)[0]:
                return None
            chunk = self.control.recv(1 << 16)
            if not chunk:
                raise WorkerDied("the grading worker stopped")
            try:
                self.lines += protocol.read_messages(self.buffer, chunk)
            except protocol.ProtocolError as error:
                raise WorkerDied(f"the grading worker sent garbage ({error})") from None
        try:
            return protocol.parse_message(self.lines.pop(0))
        except protocol.ProtocolError as error:
            raise WorkerDied(f"the grading worker sent garbage ({error})") from None

    def _exit_code(self, kill):
        """Make sure the current child is gone; its exit code."""
        if kill:
            self._send_control({"op": "kill"})
        message = self._control_message(15.0)
        if message is None or message.get("event") != "exited":
            raise WorkerDied("the grading worker did not report its child's end")
        return message["code"]

    # -- one child -----------------------------------------------------------------------------

    def _child(self, notebooks, stages, given, allowance=MAX_BYTES):
        """Run one child on ``stages`` ([{"calls", "inputs", "inject"}]); ``notebooks``: the job's
        notebooks, encoded (``encode_notebooks``); ``given[k]``: what stage k hands over (``{"inputs":
        source}``, or ``{"given": names}`` for the oracle), or None; ``allowance``: the bytes it may send. Returns a Child."""
        mine, theirs = socket.socketpair()
        session = _Session(mine, stages, given, allowance, self.limits.call_seconds, self.oracle)
        try:
            self._send_control({"op": "fork"}, fds=[theirs.fileno()])
            theirs.close()
            try:
                mine.sendall(b'{"notebooks":' + notebooks + b',"stages":' +
                             protocol.encode_message(stages)[:-1] + b"}\n")
            except (BrokenPipeError, ConnectionResetError):      # it died before it read the job
                return self._ended(session)
            return self._follow(session)
        except (WorkerDied, OSError) as died:       # the worker itself failed: keep what came, start anew
            session.drain()
            session.child.stop = Stop(protocol.CRASHED, f"the grader's worker process failed ({died})")
            self.restart()
            return session.child
        finally:
            theirs.close()
            mine.close()

    def _follow(self, session):
        session.sock.setblocking(False)         # select before every read; sends wait in ``send``
        started = time.monotonic()
        deadline = started + self.limits.load_seconds
        last = started + self.limits.load_seconds + len(session.waiting) * (self.limits.call_seconds + GRACE)
        while True:
            session.deadline = min(deadline, last)            # the oracle's callbacks wait no longer
            ready = select.select([session.sock, self.control], [], [],
                                  max(0.0, min(deadline, last) - time.monotonic()))[0]
            if session.sock in ready:
                try:
                    chunk = session.sock.recv(1 << 16)
                except BlockingIOError:
                    continue
                if not chunk:                                 # it closed its end: it has ended
                    return self._ended(session)
                try:
                    done, messages = session.feed(chunk)
                    if done:
                        code = self._exit_code(kill=False)
                        if code != 0:
                            session.child.stop = Stop(protocol.CRASHED, _ended_how(code))
                        return session.child
                except protocol.ProtocolError as error:
                    session.child.stop = Stop(protocol.PROTOCOL, f"your code wrote to the grader's channel "
                                                                 f"({error}); this case's result is discarded",
                                              session.current())
                    self._exit_code(kill=True)
                    self.restart()                          # a surprise: a fresh worker for what follows
                    return session.child
                except _Expired:                                # its time ran out during a callback
                    return self._timed_out(session)
                if session.late is not None:                   # an answer after its time: a timeout
                    self._exit_code(kill=True)
                    session.child.stop = Stop(protocol.TIMEOUT, f"took longer than {self.limits.call_seconds:g} s",
                                              session.late)
                    return session.child
                if messages and session.child.loaded:           # a call's clock starts at its turn
                    deadline = time.monotonic() + self.limits.call_seconds + GRACE
                    session.turn = time.monotonic()
            elif self.control in ready:
                return self._ended(session)
            elif time.monotonic() >= min(deadline, last):
                return self._timed_out(session)

    def _timed_out(self, session):
        self._exit_code(kill=True)
        what = f"took longer than {self.limits.call_seconds:g} s (killed)" if session.child.loaded else \
            f"loading the notebooks' definitions took longer than {self.limits.load_seconds:g} s"
        session.child.stop = Stop(protocol.TIMEOUT, what, session.current())
        return session.child

    def _ended(self, session):
        """The child ended before "done": take what it sent first (it is in the socket), then say why."""
        code = self._exit_code(kill=False)
        session.drain()
        session.child.stop = Stop(protocol.CRASHED, _ended_how(code), session.current())
        return session.child

    # -- one submission ------------------------------------------------------------------------

    def run(self, notebooks, plan):
        """Run one submission: ``plan`` is [(calls, the reference functions handed over (see
        ``_child``) or None, names to inject)] per stage. Returns (loaded, {call id: outcome body})."""
        outcomes, loaded, retried, allowance, unlocked = {}, None, set(), MAX_BYTES, 0
        notebooks = encode_notebooks(notebooks)                  # once, not once per child
        until = time.monotonic() + SUBMISSION_SECONDS
        for _ in range(MAX_CHILDREN):
            if time.monotonic() > until:
                break
            todo = [(k, [c for c in calls if c["id"] not in outcomes]) for k, (calls, _, _) in enumerate(plan)]
            todo = [(k, calls) for k, calls in todo if calls]
            if not todo:
                return loaded, outcomes
            stages = [{"calls": calls, "inputs": plan[k][1] is not None, "inject": plan[k][2]} for k, calls in todo]
            child = self._child(notebooks, stages, [plan[k][1] for k, _ in todo], allowance)
            allowance -= child.received
            if not child.locked:                               # the worker's fault, not the student's
                unlocked += 1
                if unlocked > 1:
                    raise WorkerDied(f"a child could not lock itself down twice ({child.stop and child.stop.message})")
                self.restart()
                continue
            loaded = loaded or child.loaded
            outcomes.update(child.outcomes)
            stop = child.stop
            if stop is None:
                continue
            left = [c for _, calls in todo for c in calls if c["id"] not in outcomes]
            if child.loaded is None and not loaded:            # the definitions never loaded
                for call in left:
                    outcomes[call["id"]] = {"kind": protocol.NOT_LOADED, "message": "not run: your notebooks' "
                                            f"definitions did not load ({stop.message})"}
                return loaded, outcomes
            culprit = next((c for c in left if c["id"] == stop.call), left[0] if left else None)
            if culprit is None:
                continue
            if stop.kind == protocol.CRASHED and stop.call is None and culprit["id"] not in retried:
                retried.add(culprit["id"])                    # not clear which call: try again once
                continue
            outcomes[culprit["id"]] = {"kind": stop.kind, "message": stop.message}
            if stop.kind == protocol.TIMEOUT:                 # a hang costs that function only
                for call in left:
                    if call["function"] == culprit["function"] and call is not culprit:
                        outcomes[call["id"]] = protocol.skipped(call["function"])
        why = "used up the time one submission may take" if time.monotonic() > until else \
            "crashed the grader's process too often"
        for calls, _, _ in plan:
            for call in calls:
                outcomes.setdefault(call["id"], {"kind": protocol.CRASHED, "message": f"not run: your code {why}"})
        return loaded, outcomes


def encode_notebooks(notebooks):
    """The submission's notebooks ({"name", "data": bytes or None}) as JSON, their bytes in base64:
    a third larger whatever they hold (as text, escapes would make some files six times larger)."""
    return json.dumps([{"name": n["name"], "data": None if n["data"] is None else base64.b64encode(n["data"]).decode()}
                       for n in notebooks], separators=(",", ":")).encode()


def _ended_how(code):
    how = f"killed by signal {-code}" if code and code < 0 else f"exit code {code}"
    return f"the process running your code ended ({how}): a crash, os._exit, or a memory limit"


class _Expired(Exception):
    """The child's time ran out while the oracle waited for a callback."""


class _Abandoned(BaseException):
    """The child gave up an ask (its timer fired, or it ended): unwind the reference (BaseException:
    no ``except Exception`` in reference code stops it)."""


class CallbackFailed(Exception):
    """What the reference called back in the sandbox (the student's function) raised."""


def _no_refs(k):
    raise protocol.BadOutput("a reference where a value was expected")


class _Callback:
    """What stayed in the sandbox (the student's function, a random generator), as the reference
    sees it: calling it, or a method of it, is a callback."""

    def __init__(self, session, ask, ref):
        self._session, self._ask, self._ref = session, ask, ref

    def __call__(self, *args):
        return self._session.callback(self._ask, self._ref, None, args)

    def __getattr__(self, method):
        if method.startswith("_"):
            raise AttributeError(method)
        return lambda *args: self._session.callback(self._ask, self._ref, method, args)


class _Session:
    """One child's messages, checked against what may come next."""

    def __init__(self, sock, stages, given, allowance=MAX_BYTES, seconds=None, oracle=None):
        self.sock, self.given, self.child, self.allowance = sock, given, Child(), allowance
        self.seconds, self.turn, self.late = seconds, None, None     # a call's limit, its clock, a late call
        self.waiting = [c["id"] for stage in stages for c in stage["calls"]]
        self.firsts = {stage["calls"][0]["id"]: k for k, stage in enumerate(stages) if stage["inputs"]}
        self.sent, self.buffer, self.queue, self.progress = set(), bytearray(), collections.deque(), 0
        self.oracle, self.allowed, self.remotes = oracle or {}, set(), []     # the oracle's state
        self.asks, self.callbacks, self.deadline, self.ended = 0, 0, None, False

    def current(self):
        return self.waiting[0] if self.waiting else None

    def drain(self):
        """Take whatever the child sent that is still unread (it has ended, or the worker has): its
        outcomes count, its asks are not served."""
        self.ended = True
        try:
            while True:
                chunk = self.sock.recv(1 << 16)
                if not chunk or self.feed(chunk)[0]:
                    break
        except (BlockingIOError, protocol.ProtocolError, OSError, _Expired):
            pass

    def send(self, data):
        """Send ``data`` to the child by its deadline: False if it has gone. A child that does not
        read cannot hold the grader (the socket never blocks): _Expired, its timeout."""
        view = memoryview(data)
        while view:
            left = (self.deadline or time.monotonic()) - time.monotonic()
            if left <= 0 or not select.select([], [self.sock], [], left)[1]:
                raise _Expired()
            try:
                view = view[self.sock.send(view):]
            except BlockingIOError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                return False
        return True

    def _take(self, chunk):
        self.child.received += len(chunk)
        if self.child.received > self.allowance:
            raise protocol.ProtocolError(f"more than {MAX_BYTES >> 20} MB of output in all")
        self.queue.extend(protocol.read_messages(self.buffer, chunk))

    def feed(self, chunk):
        """Take a chunk of the child's output: (it said "done", how many messages of progress came:
        not the oracle's). ProtocolError on anything malformed, oversized or out of order."""
        self._take(chunk)
        before = self.progress
        while self.queue:
            if self._apply(protocol.parse_message(self.queue.popleft())) or self.late is not None:
                return self.late is None, self.progress - before
        return False, self.progress - before

    def _apply(self, message):
        event, child, waiting = message["event"], self.child, self.waiting
        if event == "ask" and child.loaded is not None and self.oracle:
            if self.ended:                          # the child has gone: nobody waits for the reply
                return False
            try:
                self._ask(message)
            except _Abandoned:                      # the child moved on: its next message is queued
                pass
            return False
        self.progress += 1
        if not child.locked:
            if event != "locked":
                raise protocol.ProtocolError(f"{event!r} before 'locked'")
            child.locked = True
        elif child.loaded is None:
            if event != "loaded":
                raise protocol.ProtocolError(f"{event!r} before 'loaded'")
            child.loaded = message
        elif event == "stage":
            stage = message["stage"]
            if not waiting or self.firsts.get(waiting[0]) != stage or stage in self.sent:
                raise protocol.ProtocolError("a stage out of order")
            self.sent.add(stage)
            self.allowed |= set(self.given[stage].get("given", ()))
            self.send(protocol.encode_message(self.given[stage]))     # if it has gone, the end is seen next
        elif event == "outcome":
            if not waiting or message["call"] != waiting[0] or \
                    (waiting[0] in self.firsts and self.firsts[waiting[0]] not in self.sent):
                raise protocol.ProtocolError("an outcome out of order")
            if self.seconds and self.turn is not None and time.monotonic() - self.turn > self.seconds and \
                    message["kind"] != protocol.TIMEOUT:       # its own timer was defeated (SIGALRM ignored)
                self.late = waiting[0]
                return False
            child.outcomes[waiting.pop(0)] = {k: v for k, v in message.items() if k not in ("event", "call")}
        elif event == "done" and not waiting:
            return True
        else:
            raise protocol.ProtocolError(f"an unexpected {event!r}")
        return False

    # -- the oracle: the reference runs here, on what the student's code passes ------------------

    def _ask(self, message):
        """Run the reference function asked for and send the reply (an error is the student's)."""
        ask = message["ask"]
        self._count()
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise _Expired()                        # asks do not restart a call's clock
        try:
            if "remote" in message:
                k = message["remote"]
                function = self.remotes[k] if 0 <= k < len(self.remotes) else None
            else:
                function = self.oracle.get(message.get("name")) if message.get("name") in self.allowed else None
            if not callable(function):
                raise LookupError("not a function this stage was given")
            ref = lambda k: _Callback(self, ask, k)  # noqa: E731
            args = protocol.decode_value(message["args"], ref)
            if not isinstance(args, tuple):
                raise protocol.BadOutput("not arguments")
            args = tuple(protocol.for_reference(a, _Callback) for a in args)
            kwargs = {k: protocol.for_reference(protocol.decode_value(v, ref), _Callback)
                      for k, v in message.get("kwargs", {}).items()}
            with np.errstate(all="ignore"):
                value = function(*args, **kwargs)
            reply = {"reply": ask, "value": protocol.encode_value(value, self.remotes)}
        except (_Expired, protocol.ProtocolError):
            raise
        except Exception as error:  # noqa: BLE001 - the reference, on whatever the student passed
            reply = {"reply": ask, "error": protocol.clean_text(f"{type(error).__name__}: {error}", 300)}
        if not self.send(protocol.encode_message(reply)):
            raise _Abandoned()

    def callback(self, ask, ref, method, args):
        """Call what stayed in the sandbox (``ref`` of ``ask``) and wait for its answer; asks made
        meanwhile (the student's function calls a given one) are served in between."""
        self._count()
        self.callbacks += 1
        call = self.callbacks
        if not self.send(protocol.encode_message({"call": call, "ask": ask, "ref": ref, "method": method,
                                                  "args": protocol.encode_value(tuple(args), [])})):
            raise _Abandoned()
        while True:
            raw = self._next_raw()
            message = protocol.parse_message(raw)
            if message["event"] == "answer" and message["answer"] == call:
                if "error" in message:
                    raise CallbackFailed(message["error"])
                return protocol.decode_value(message.get("value"), _no_refs)
            if message["event"] == "ask":
                self._ask(message)
                continue
            self.queue.appendleft(raw)             # anything else: the child gave up this ask
            raise _Abandoned()

    def _next_raw(self):
        while not self.queue:
            left = (self.deadline or time.monotonic()) - time.monotonic()
            if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                raise _Expired()
            try:
                chunk = self.sock.recv(1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                raise _Abandoned()
            self._take(chunk)
        return self.queue.popleft()

    def _count(self):
        self.asks += 1
        if self.asks > MAX_ASKS:
            raise protocol.ProtocolError(f"more than {MAX_ASKS} calls of the functions it was given")
