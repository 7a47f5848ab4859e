"""The untrusted side of grading: runs a student's functions on the cases' inputs.

Two uses, one code path for argument decoding and output encoding:
- as a library (``run_call``), for the reference and the catalogued mistakes in the grader;
- as a script (``python -I -S worker.py ...``), the fork server of the sandbox. It imports numpy
  once (matplotlib is a lazy stand-in: importing it would make every fork 7x slower), then forks
  one child per job. A child runs the student's definitions and the
  job's calls in stages, writing one JSON line per call to the data socket. It never holds the
  grader's expected values. The reference functions a stage needs (losses and gradients for
  optimisers, functions others build on) reach it from the data socket when the stage starts,
  after every function they could answer for was checked; never through the fork server.

This file imports nothing from the ``autograder`` package: inside the sandbox, that package does not exist.
"""
import json
import os
import select
import signal
import sys
import time

if __name__ == "__main__":            # inside the sandbox, run with -I -S: find numpy first
    sys.path[:0] = sys.argv[4:]

import numpy as np  # noqa: E402

MAX_ELEMENTS = 200_000          # per output: far above any correct answer


# ---------------------------------------------------------------------------------------------
# Arguments: plain JSON in, numpy and callables out
# ---------------------------------------------------------------------------------------------

class Table:
    """A learning-rate schedule given as numbers: t -> values[t]."""

    def __init__(self, values):
        self.values = [float(v) for v in values]

    def __call__(self, t):
        if isinstance(t, (float, np.floating)) and not float(t).is_integer():
            raise TypeError(f"the schedule was called with t = {t!r}; t is the integer step number")
        return self.values[int(t)]


def decode_arg(spec, env):
    """Turn one JSON argument spec into the Python value a student function receives."""
    if isinstance(spec, list):
        return [decode_arg(s, env) for s in spec]
    if not isinstance(spec, dict):
        return spec
    kind, value = next(iter(spec.items()))
    if kind == "$array":
        return np.array(value, dtype=spec.get("dtype", "float64"))
    if kind == "$batches":
        return [np.array(b, dtype=np.intp) for b in value]
    if kind == "$data":
        x, y = env["datasets"][value]
        return (x.copy(), y.copy())[spec["part"] == "y"]
    if kind == "$subset":
        return decode_arg(value, env)[np.array(spec["index"], dtype=np.intp)]
    if kind == "$input":
        return env["inputs"][value]
    if kind == "$table":
        return Table(value)
    if kind == "$rng":
        return getattr(np.random, value)(spec["seed"])
    if kind == "$slice":              # f(a) = loss(phi - a * direction)
        loss, phi, direction = value
        loss = env["inputs"][loss]
        phi, direction = np.array(phi, dtype=float), np.array(direction, dtype=float)
        return lambda a: loss(phi - a * direction)
    raise ValueError(f"unknown argument kind {kind}")


def encode_output(value, probe=None):
    """Plain JSON for what a student function returned (numbers and arrays only)."""
    if probe is not None:
        if not callable(value):
            return {"$unsupported": f"{type(value).__name__} (expected a function of t)"}
        return {"$probe": [encode_output(value(t)) for t in probe]}
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, np.ndarray) and v.ndim == 1 for v in value):
        return {"$list": [encode_output(v) for v in value]}
    try:
        array = np.asarray(value)
    except Exception as error:                     # noqa: BLE001 - any odd object
        return {"$unsupported": f"{type(value).__name__} ({error})"}
    if array.dtype.kind not in "biuf" or array.size > MAX_ELEMENTS:
        return {"$unsupported": f"{type(value).__name__} of dtype {array.dtype} and shape {array.shape}"}
    return {"$array": array.astype(float).ravel().tolist(), "shape": list(array.shape),
            "dtype": str(array.dtype), "type": type(value).__name__}


def run_call(call, functions, env):
    """Call one student (or reference) function on a case's inputs; return its encoded output."""
    args = [decode_arg(a, env) for a in call["args"]]
    kwargs = {k: decode_arg(v, env) for k, v in call.get("kwargs", {}).items()}
    with np.errstate(all="ignore"):
        return encode_output(functions[call["function"]](*args, **kwargs), call.get("probe"))


# ---------------------------------------------------------------------------------------------
# The child: one job of one submission
# ---------------------------------------------------------------------------------------------

class CallTimeout(BaseException):
    """Raised inside student code when a call exceeds its time limit (the parent kills later)."""


def _send(fd, message):
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _read_line(fd):
    buffer = b""
    while not buffer.endswith(b"\n"):
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            raise EOFError("the grader closed the data channel")
        buffer += chunk
    return json.loads(buffer)


def _load(job):
    """Parse the student's notebooks (with the released helper's loader) and execute their kept
    definitions, after the given code, one namespace per notebook."""
    import fitting_tools
    own = lambda cell: not (fitting_tools.is_test_cell(cell) or fitting_tools.is_given_cell(cell))  # noqa: E731
    namespaces, errors, problems, broken = {}, [], [], {}
    for notebook in job["notebooks"]:
        name = notebook["name"]
        chunks = []
        if notebook.get("text") is None:
            problems.append(notebook["problem"])
        else:
            defs = fitting_tools.parse_notebook(name, notebook["text"], own)
            problems += defs.problems
            broken.update(defs.broken)
            if defs.readable:
                chunks = job["given"][name] + [[c.cell, c.line, c.source] for c in defs.chunks]
        namespace = {"__name__": name.rsplit(".", 1)[0], "__builtins__": __builtins__}
        for cell, line, source in chunks:
            try:
                exec(compile("\n" * (line - 1) + source, f"{name}[cell {cell}]", "exec"), namespace)
            except BaseException as error:  # noqa: BLE001 - student code may raise anything
                errors.append(f"{name}, cell {cell}, line {line}: {type(error).__name__}: {error}")
        namespaces[name] = namespace
    functions = {}
    for name, home in job["functions"].items():       # graded name -> notebook it belongs to
        order = [home] + [n["name"] for n in job["notebooks"] if n["name"] != home]
        for notebook in order:
            if callable(namespaces.get(notebook, {}).get(name)):
                functions[name] = namespaces[notebook][name]
                break
    return namespaces, functions, {"errors": errors, "problems": problems, "broken": broken}


def _describe(error):
    """One line saying where in the student's notebook the error happened."""
    tb, where = error.__traceback__, ""
    while tb is not None:
        if "[cell " in tb.tb_frame.f_code.co_filename:
            where = f" ({tb.tb_frame.f_code.co_filename}, line {tb.tb_lineno})"
        tb = tb.tb_next
    return f"{type(error).__name__}: {error}"[:500] + where


def _on_alarm(signum, frame):
    raise CallTimeout()


def child_main(job, data_fd):
    """Run one job; every outcome goes to the data socket as one JSON line."""
    limits = job["limits"]
    if limits.get("memory_mb"):
        import resource
        with open("/proc/self/status") as f:
            used = int(f.read().split("VmSize:")[1].split()[0]) << 10
        memory = used + (limits["memory_mb"] << 20)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    env = {"datasets": {k: (np.array(x, dtype=float), np.array(y, dtype=float))
                        for k, (x, y) in job["datasets"].items()}, "inputs": {}}
    exec(compile(job["test_inputs"], "<grader test inputs>", "exec"), env["inputs"])
    namespaces, functions, found = _load(job)
    _send(data_fd, {"event": "loaded", "defined": sorted(functions), **found})
    signal.signal(signal.SIGALRM, _on_alarm)
    timed_out = set()
    for index, stage in enumerate(job["stages"]):
        if stage["inputs"]:             # the grader sends the stage's reference code only now
            _send(data_fd, {"event": "stage", "stage": index})
            exec(compile(_read_line(data_fd)["inputs"], "<grader inputs>", "exec"), env["inputs"])
            for namespace in namespaces.values():     # builds-on: the reference in their place
                namespace.update({name: env["inputs"][name] for name in stage["inject"]})
        for call in stage["calls"]:
            _send(data_fd, _call(call, functions, env, limits, timed_out))
    _send(data_fd, {"event": "done"})


def _call(call, functions, env, limits, timed_out):
    """Run one call under the time limit; the message to send."""
    message = {"event": "result", "call": call["id"]}
    if call["function"] in timed_out:
        return dict(message, event="error", kind="timeout",
                    message="not run: an earlier case of this function timed out")
    if call["function"] not in functions:
        return dict(message, event="error", kind="missing", message="not defined")
    signal.setitimer(signal.ITIMER_REAL, limits["call_seconds"])
    try:
        message["output"] = run_call(call, functions, env)
    except NotImplementedError:
        message.update(event="error", kind="not_implemented", message="not implemented yet")
    except CallTimeout:
        timed_out.add(call["function"])
        message.update(event="error", kind="timeout", message=f"took longer than {limits['call_seconds']} s")
    except BaseException as error:  # noqa: BLE001 - SystemExit, MemoryError, anything
        message.update(event="error", kind="exception", message=_describe(error))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return message


# ---------------------------------------------------------------------------------------------
# The fork server (zygote)
# ---------------------------------------------------------------------------------------------

def _descendants(root_pid):
    """PIDs whose parent is root_pid (orphans re-parent to us: we are a child subreaper)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    stat = f.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == root_pid:
                found.append(int(entry))
    return found


def _children(pid):
    try:                                   # Linux keeps the list (CONFIG_PROC_CHILDREN)
        found = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        return found
    except OSError:
        return _descendants(pid)


def _kill_everything_but_me():
    me = os.getpid()
    for _ in range(100):
        pids = _children(me)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in pids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _become_subreaper():
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)   # PR_SET_CHILD_SUBREAPER
    except Exception:  # noqa: BLE001 - best effort off Linux
        pass


def _fork_child(job, control_fd, data_fd, scratch):
    workdir = os.path.join(scratch, f"job-{time.monotonic_ns()}")
    os.mkdir(workdir)
    pid = os.fork()
    if pid:
        return pid, workdir
    try:                                             # the child: never returns
        os.setsid()
        os.close(control_fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.chdir(workdir)
        sys.path.insert(0, workdir)
        child_main(job, data_fd)
    except BaseException:  # noqa: BLE001 - nothing may escape into the server loop
        pass
    os._exit(0)


def serve(control_fd, data_fd, scratch):
    """Fork server loop: {"op": "fork", "job": ...} | {"op": "kill"} | {"op": "quit"}."""
    import shutil
    _become_subreaper()
    control = os.fdopen(control_fd, "rb", buffering=0)
    pending = b""
    child = pidfd = workdir = None
    _send(control_fd, {"event": "ready"})
    while True:
        readable, _, _ = select.select([control_fd] + ([pidfd] if pidfd is not None else []), [], [])
        if pidfd is not None and pidfd in readable:
            _, status = os.waitpid(child, 0)
            _killpg(child)
            _kill_everything_but_me()
            os.close(pidfd)
            shutil.rmtree(workdir, ignore_errors=True)
            code = os.waitstatus_to_exitcode(status)
            _send(control_fd, {"event": "exited", "code": code})
            child = pidfd = workdir = None
        if control_fd in readable:
            chunk = control.read(1 << 20)
            if not chunk:
                break
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                message = json.loads(line)
                if message["op"] == "fork" and child is None:
                    child, workdir = _fork_child(message["job"], control_fd, data_fd, scratch)
                    pidfd = os.pidfd_open(child)
                elif message["op"] == "kill" and child is not None:
                    _killpg(child)
                elif message["op"] == "quit":
                    if child is not None:
                        _killpg(child)
                    _kill_everything_but_me()
                    return


def _killpg(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _LazyModule(type(sys)):
    """Stands for a heavy module a notebook imports but graded functions rarely use: importing it
    costs nothing; the first attribute used imports the real module (keeps fork() cheap)."""

    def __getattr__(self, attribute):
        import importlib
        _drop_lazy_modules()
        real = importlib.import_module(self.__name__)
        return getattr(real, attribute)


def _lazy_matplotlib():
    package, pyplot = _LazyModule("matplotlib"), _LazyModule("matplotlib.pyplot")
    package.__path__, package.pyplot = [], pyplot
    sys.modules.update({"matplotlib": package, "matplotlib.pyplot": pyplot})


def _drop_lazy_modules():
    for name in [n for n, m in list(sys.modules.items()) if isinstance(m, _LazyModule)]:
        del sys.modules[name]


def main(argv):
    """worker.py CONTROL_FD DATA_FD SCRATCH [PATH...]: the extra paths go on sys.path."""
    control_fd, data_fd, scratch = int(argv[1]), int(argv[2]), argv[3]
    _lazy_matplotlib()
    try:
        import fitting_tools  # noqa: F401 - the released helper the notebooks import
    except ImportError:
        pass
    serve(control_fd, data_fd, scratch)


if __name__ == "__main__":
    main(sys.argv)
