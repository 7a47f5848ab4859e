"""Restrictions a sandboxed process puts on itself (standard library only: runs in the sandbox).

``protect_server``: the fork server makes itself non-dumpable, so a child cannot read its memory
or copy its file descriptors. ``lock_down``: a child, before it touches the submission, limits
what it may use (see ``policy`` in ``tiers.py``).
"""
import ctypes
import resource

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
_libc = ctypes.CDLL(None, use_errno=True)


def protect_server():
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _vm_size():
    with open("/proc/self/status") as f:
        return int(f.read().split("VmSize:")[1].split()[0]) << 10


def lock_down(policy, memory_mb):
    """Limit this process before any student code runs."""
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)          # SIGKILL when the worker goes
    if memory_mb:
        memory = _vm_size() + (memory_mb << 20)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 << 20, 16 << 20))
