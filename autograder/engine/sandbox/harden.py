"""Restrictions a sandboxed process puts on itself (standard library, plus pyseccomp when it is
installed: this file runs inside the sandbox).

``protect_server``: the worker (fork server) makes itself non-dumpable: no child can read its
memory, ptrace it or copy its file descriptors (pidfd_getfd).

``prepare_server``: once the worker has its setup, it locks in what all its children share:
Landlock (Linux >= 5.13), when the kernel has it: reads only under the Python installation, the
libraries numpy and matplotlib need and the system libraries; no file writes anywhere; no TCP
(ABI >= 4). It also builds the seccomp filter the children load (only their pid is added later).

``lock_down``: a child, before it reads a byte of the submission, applies ``policy`` (built by
``tiers.py``), in this order:
1. another uid and gid (when the worker runs as root: restricted tier), so it can signal, ptrace
   or read nothing of the grader's processes and files beyond what every user may;
2. rlimits: address space (memory across all its threads: it can start no process), CPU,
   file size, open files, no core dumps, processes (with its own uid);
3. Landlock scoping (ABI >= 6): no signals or abstract sockets outside itself;
4. seccomp (libseccomp through pyseccomp): no new processes or threads, no exec, no ptrace or
   process_vm_*, no pidfd tricks, signals to itself only, no new sockets, no chmod or chown, no
   namespaces, mounts, io_uring, bpf or kernel keyrings, no System V IPC or message queues, and
   limits, priorities and CPU affinity of itself only (the bwrap tier's children share the
   worker's uid).
A restriction that cannot be applied raises ``Unsafe``: the child then never runs student code.

Why these libraries: libseccomp (well kept; it gets the per-architecture BPF details, x32 and
compat syscalls right) through pyseccomp, a thin ctypes binding; Landlock through the three
syscalls below, because PyPI's ``landlock`` (1.0.0.dev5) has no network rules and no scoping.
"""
import ctypes
import errno
import os
import resource

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class Unsafe(RuntimeError):
    """A restriction the policy asks for could not be applied."""


def _prctl(option, value):
    if _libc.prctl(option, value, 0, 0, 0) != 0:
        raise Unsafe(f"prctl({option}) failed: {os.strerror(ctypes.get_errno())}")


_SERVER = {}          # what prepare_server leaves for the children: the seccomp filter, VmSize


def protect_server():
    """The worker, at once: non-dumpable, and pyseccomp imported now (a locked process may be unable
    to read the Python installation)."""
    _prctl(PR_SET_DUMPABLE, 0)
    try:
        import pyseccomp  # noqa: F401
    except (ImportError, RuntimeError, OSError):
        pass


def prepare_server(policy):
    """The worker, once it has its setup: what every child shares (see the module's docstring).
    A failure is kept: every child's ``lock_down`` then raises it (the probe reports it)."""
    _SERVER["vm_size"] = _vm_size()
    try:
        if policy.get("seccomp"):
            _SERVER["filter"] = _base_filter()
        if policy.get("landlock"):
            _prctl(PR_SET_NO_NEW_PRIVS, 1)                   # Landlock's condition without CAP_SYS_ADMIN
            _landlock(policy["read"], landlock_abi(), scope=False)
    except Unsafe as error:
        _SERVER["unsafe"] = str(error)


# ---------------------------------------------------------------------------------------------
# Landlock
# ---------------------------------------------------------------------------------------------

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446     # the same on x86_64 and aarch64
RULE_PATH_BENEATH = 1
FS = {"execute": 1 << 0, "write_file": 1 << 1, "read_file": 1 << 2, "read_dir": 1 << 3, "remove_dir": 1 << 4,
      "remove_file": 1 << 5, "make_char": 1 << 6, "make_dir": 1 << 7, "make_reg": 1 << 8, "make_sock": 1 << 9,
      "make_fifo": 1 << 10, "make_block": 1 << 11, "make_sym": 1 << 12, "refer": 1 << 13, "truncate": 1 << 14,
      "ioctl_dev": 1 << 15}
FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_ALL = (1 << 0) | (1 << 1)                                # bind and connect TCP (ABI >= 4)
SCOPE_ALL = (1 << 0) | (1 << 1)                              # abstract unix sockets and signals (ABI >= 6)
READ_FILES = FS["execute"] | FS["read_file"]
READ_TREE = READ_FILES | FS["read_dir"]


class _Ruleset(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi():
    """The kernel's Landlock ABI version, 0 if it has none."""
    version = _libc.syscall(CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    return max(0, int(version))


def _landlock(paths, abi, scope):
    """Reads only beneath ``paths``, no writes, no TCP; with ``scope`` (and no paths): no signals or
    abstract sockets outside this process's domain."""
    fs = 0 if scope else FS_BY_ABI[min(abi, 5)]
    attr = _Ruleset(fs, 0 if scope or abi < 4 else NET_ALL, SCOPE_ALL if scope else 0)
    size = ctypes.sizeof(ctypes.c_uint64) * (3 if scope else 2 if abi >= 4 else 1)
    ruleset = _libc.syscall(CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        raise Unsafe(f"landlock_create_ruleset: {os.strerror(ctypes.get_errno())}")
    try:
        for path in paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue                                     # a path that is not there: nothing to allow
            try:
                allowed = READ_TREE if os.path.isdir(path) else READ_FILES
                rule = _PathBeneath(allowed & fs, fd)
                if _libc.syscall(ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH),
                                 ctypes.byref(rule), ctypes.c_uint32(0)) != 0:
                    raise Unsafe(f"landlock_add_rule({path}): {os.strerror(ctypes.get_errno())}")
            finally:
                os.close(fd)
        if _libc.syscall(RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise Unsafe(f"landlock_restrict_self: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(ruleset)


# ---------------------------------------------------------------------------------------------
# seccomp
# ---------------------------------------------------------------------------------------------

DENIED = ("fork", "vfork", "clone", "clone3", "execve", "execveat", "ptrace", "process_vm_readv",
          "process_vm_writev", "pidfd_open", "pidfd_getfd", "pidfd_send_signal", "kcmp", "socket", "socketpair",
          "connect", "bind", "listen", "accept", "accept4", "unshare", "setns", "mount", "umount2", "pivot_root",
          "chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "io_uring_setup",
          "io_uring_enter", "io_uring_register", "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key",
          "request_key", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
          "reboot", "swapon", "swapoff", "sethostname", "setdomainname", "syslog", "acct", "quotactl",
          "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups", "setfsuid",
          "setfsgid", "capset", "personality", "name_to_handle_at", "open_by_handle_at", "process_madvise",
          "memfd_create", "tkill", "chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown",
          "fchownat", "mknod", "mknodat", "utime", "utimes", "utimensat", "futimesat",
          # System V IPC and POSIX message queues: shared state that outlives a child, and memory
          # outside its RLIMIT_AS
          "shmget", "shmat", "shmdt", "shmctl", "msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop",
          "semtimedop", "semctl", "mq_open", "mq_unlink", "mq_timedsend", "mq_timedreceive", "mq_notify",
          "mq_getsetattr",
          # another process's priority, I/O class or memory placement
          "ioprio_set", "migrate_pages", "move_pages")
SELF_ONLY = {"kill": 0, "tgkill": 0, "rt_sigqueueinfo": 0, "rt_tgsigqueueinfo": 0}   # syscall: argument holding the pid
# Syscalls that name a process and mean this one when the argument is 0 (glibc's setrlimit and nice
# pass 0): anything else is refused, so no child can lower the worker's limits or priority.
ZERO_ONLY = {"prlimit64": (0,), "setpriority": (0, 1), "sched_setaffinity": (0,), "sched_setscheduler": (0,),
             "sched_setparam": (0,), "sched_setattr": (0,)}


def seccomp_available():
    try:
        import pyseccomp  # noqa: F401
    except (ImportError, RuntimeError, OSError):
        return False
    return hasattr(_libc, "prctl")


def _base_filter():
    """The seccomp filter of every child but for its pid (libseccomp's object; loaded by each child)."""
    try:
        import pyseccomp as seccomp
    except (ImportError, RuntimeError, OSError) as error:
        raise Unsafe(f"seccomp is not available ({error}): pip install pyseccomp (needs libseccomp2)") from None
    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for name in DENIED:
        try:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), name)
        except (OSError, ValueError, RuntimeError):
            pass                                             # not a syscall on this architecture
    for name, arguments in ZERO_ONLY.items():
        for argument in arguments:                           # several rules of one syscall: any one denies
            try:
                rules.add_rule(seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(argument, seccomp.NE, 0))
            except (OSError, ValueError, RuntimeError):
                pass
    return rules


def _seccomp():
    import pyseccomp as seccomp
    rules = _SERVER.get("filter") or _base_filter()
    me = os.getpid()
    for name, argument in SELF_ONLY.items():
        try:
            rules.add_rule(seccomp.ERRNO(errno.EPERM), name, seccomp.Arg(argument, seccomp.NE, me))
        except (OSError, ValueError, RuntimeError):
            pass
    try:
        rules.load()
    except OSError as error:
        raise Unsafe(f"seccomp filter not loaded: {error}") from None


# ---------------------------------------------------------------------------------------------
# The child's lock-down
# ---------------------------------------------------------------------------------------------

def _vm_size():
    with open("/proc/self/status") as f:
        return int(f.read().split("VmSize:")[1].split()[0]) << 10


def _limit(kind, value):
    resource.setrlimit(kind, (value, value))


def lock_down(policy, memory_mb):
    """Apply ``policy`` to this process (see the module's docstring); Unsafe if any part fails."""
    if "unsafe" in _SERVER:
        raise Unsafe(_SERVER["unsafe"])
    _prctl(PR_SET_PDEATHSIG, 9)                              # SIGKILL when the worker goes
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    memory = _SERVER.get("vm_size") or _vm_size()
    uid = policy.get("uid")
    if uid is not None:                                       # root: become nobody in particular
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        if os.geteuid() != uid:
            raise Unsafe("could not change the uid")
        _limit(resource.RLIMIT_NPROC, 1)
    _limit(resource.RLIMIT_AS, memory + (memory_mb << 20))
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_FSIZE, 0)
    _limit(resource.RLIMIT_NOFILE, 64)
    _limit(resource.RLIMIT_CPU, int(policy.get("cpu_seconds", 300)))
    if policy.get("landlock") and landlock_abi() >= 6:
        _landlock((), landlock_abi(), scope=True)
    if policy.get("seccomp"):
        _seccomp()
