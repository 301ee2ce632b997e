"""The program that runs inside the sandbox: it starts the solution's processes and reports what
they produced. Standard library only, because nothing else is visible in the sandbox.

It runs as root of the sandbox (capabilities cut to setuid, setgid and kill) and talks to the
grader over fd 0 (jobs in) and fd 1 (results out), in length-prefixed JSON frames. Every process
that runs model code is forked from it, becomes an unprivileged user of its own (``uid``), gets
rlimits, no_new_privs and a seccomp filter, and only then sees the code. The three modes:

* ``stdio``: one process per case, stdin = the case's input, stdout read up to a cap. The
  expected output is never sent here; the grader compares.
* ``call``: one process serves calls ``fn(*args)``; each reply (the return value, encoded as
  plain data) goes back to the grader, which compares it with the expected value.
* ``assert``: the solution is served in one process (uid A) and the test code runs in another,
  the tester (uid B), which calls the solution's functions through a pipe and gets plain data
  back. The tester sends its verdicts to this harness over a pipe only it holds; the solution
  cannot read the tests (they reach this harness only after the solution is forked, and the
  tester's memory and fds belong to another user) nor write a verdict.

The value codec here is also the grader's: JSON with one-key objects as tags for what JSON
lacks (tuples, dicts with any keys, sets, bytes, complex, big ints, remote objects).
"""

from __future__ import annotations

import builtins
import json
import os
import resource
import select
import signal
import struct
import sys
import time
import types

HEADER = struct.Struct("!I")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
IDLE_GRACE_S = 1.0  # a case may sit idle (sleeping, waiting) for timeout_s + this
HARD_FACTOR = 20.0  # and never run past HARD_FACTOR * its CPU budget + 10 s of wall-clock time
POLL_S = 0.1
BIG_INT = 1 << 62

# -- framing ------------------------------------------------------------------------------------


class FrameError(Exception):
    """A peer sent a malformed or oversized frame, or closed its end."""


def read_exact(fd: int, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise FrameError("closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int, limit: int) -> bytes:
    (size,) = HEADER.unpack(read_exact(fd, HEADER.size))
    if size > limit:
        raise FrameError(f"frame of {size} bytes over the limit of {limit}")
    return read_exact(fd, size)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_frame(fd: int, payload) -> None:
    data = json.dumps(payload, separators=(",", ":")).encode()
    write_all(fd, HEADER.pack(len(data)) + data)


# -- the value codec ----------------------------------------------------------------------------


class NotData(TypeError):
    """A value that is not plain data (and no handle table was given to keep it remotely)."""


def encode(value, handles: list | None = None, depth: int = 0):
    """Plain data as JSON-able, exact types only (a subclass of int is not an int); other values
    become handles when ``handles`` is given, else NotData."""
    if depth > 100:
        raise NotData("nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value if -BIG_INT < value < BIG_INT else {"I": hex(value)}
    if kind is float:
        return value
    d = depth + 1
    if kind is list:
        return [encode(v, handles, d) for v in value]
    if kind is tuple:
        return {"t": [encode(v, handles, d) for v in value]}
    if kind is dict:
        return {"d": [[encode(k, handles, d), encode(v, handles, d)] for k, v in value.items()]}
    if kind is set:
        return {"s": [encode(v, handles, d) for v in value]}
    if kind is frozenset:
        return {"f": [encode(v, handles, d) for v in value]}
    if kind is bytes:
        return {"b": value.hex()}
    if kind is complex:
        return {"c": [value.real, value.imag]}
    if kind is types.GeneratorType or kind in _ITERATORS:
        return {"g": [encode(v, handles, d) for v in value]}
    if handles is None:
        raise NotData(f"a {kind.__name__} is not plain data")
    handles.append(value)
    return {"h": len(handles) - 1}


_ITERATORS = {type(iter(())), type(iter([])), type(iter(range(0))), map, filter, zip, reversed,
              enumerate, type(iter({})), type(iter(""))}


def _tagged(remote):
    def hook(pairs):
        if len(pairs) != 1:
            raise ValueError("a tagged value has exactly one key")
        tag, body = pairs[0]
        if tag == "I" and type(body) is str and len(body) < 1_000_000:
            return int(body, 16)
        if tag == "c" and type(body) is list and len(body) == 2 and all(type(x) in (int, float) for x in body):
            return complex(*body)
        if tag == "b" and type(body) is str:
            return bytes.fromhex(body)
        if tag == "h" and remote is not None and type(body) is int:
            return remote(body)
        if type(body) is not list:
            raise ValueError(f"bad tagged value {tag!r}")
        if tag == "t":
            return tuple(body)
        if tag == "s":
            return set(body)
        if tag == "f":
            return frozenset(body)
        if tag == "g":
            return iter(body)
        if tag == "d" and all(type(p) is list and len(p) == 2 for p in body):
            return dict(body)
        raise ValueError(f"bad tagged value {tag!r}")

    return hook


def decode(text: str | bytes, remote=None):
    """The value of an encoded text; ValueError/TypeError/RecursionError when it is malformed.
    Only builtin types come out (and ``remote(id)`` objects where ``remote`` is given)."""
    return json.loads(text, object_pairs_hook=_tagged(remote))


# -- assert-style tests: which statements are cases ---------------------------------------------


def split_tests(code: str, entry_point: str | None) -> list[tuple[str, int, object]]:
    """The test code's top-level statements as (kind, line, statement): kind 'case' for an
    assert or an expression (a call such as ``check(f)``), 'setup' for everything else; then a
    case ('check', 0, entry_point) when the code defines ``check`` and an entry point is given.
    SyntaxError when the tests do not parse."""
    import ast

    tree = ast.parse(code)
    parts: list[tuple[str, int, object]] = []
    for stmt in tree.body:
        kind = "case" if isinstance(stmt, (ast.Assert, ast.Expr)) and not _is_docstring(stmt) else "setup"
        parts.append((kind, stmt.lineno, stmt))
    defines_check = any(isinstance(s, ast.FunctionDef) and s.name == "check" for s in tree.body)
    if entry_point and defines_check:
        parts.append(("check", 0, entry_point))
    return parts


def _module(stmt):
    import ast

    return ast.Module([stmt], [])


def _is_docstring(stmt) -> bool:
    import ast

    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


# -- confinement of a child process -------------------------------------------------------------

# x86_64 system calls a solution has no use for: debugging other processes, namespaces, mounts,
# kernel keys, modules, BPF, io_uring, perf, userfaultfd (common kernel-exploit entry points).
_DENIED_X86_64 = (101, 310, 311, 272, 308, 165, 166, 155, 161, 167, 168, 169, 170, 171, 172, 173,
                  175, 176, 313, 246, 320, 248, 249, 250, 163, 103, 298, 321, 323, 303, 304, 425,
                  426, 427, 428, 429, 430, 431, 432, 433, 442, 179, 212, 153, 300)
_CLONE, _CLONE3 = 56, 435
_NAMESPACE_FLAGS = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
_AUDIT_ARCH_X86_64 = 0xC000003E


def seccomp_program() -> bytes | None:
    """A classic-BPF seccomp filter denying the calls above (EPERM), clone3 (ENOSYS, so libc
    falls back to clone) and clone with namespace flags; None on other architectures."""
    if os.uname().machine != "x86_64":
        return None
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    allow, kill, errno = 0x7FFF0000, 0x80000000, 0x00050000
    eperm, enosys = errno | 1, errno | 38
    ins = [(ld, 0, 0, 4), (jeq, 1, 0, _AUDIT_ARCH_X86_64), (ret, 0, 0, kill), (ld, 0, 0, 0),
           (jge, 0, 1, 0x40000000), (ret, 0, 0, eperm)]
    for nr in _DENIED_X86_64:
        ins += [(jeq, 0, 1, nr), (ret, 0, 0, eperm)]
    ins += [(jeq, 0, 1, _CLONE3), (ret, 0, 0, enosys),
            (jeq, 0, 3, _CLONE), (ld, 0, 0, 16), (jset, 0, 1, _NAMESPACE_FLAGS), (ret, 0, 0, eperm),
            (ret, 0, 0, allow)]
    return b"".join(struct.pack("HBBI", *i) for i in ins)


def _no_new_privs_and_seccomp(program: bytes | None) -> None:
    """no_new_privs (a setuid program cannot give root back), then the seccomp filter."""
    import ctypes  # imported by main() before any fork: no file is read here

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "no_new_privs")
    if program is None:
        return

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buf = ctypes.create_string_buffer(program)
    prog = Fprog(len(program) // 8, ctypes.addressof(buf))
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "seccomp")


def confine(job: dict, uid: int | None, cpu_s: float) -> None:
    """In a freshly forked child: rlimits, then (sandboxed) drop to ``uid`` and seccomp."""
    lim = job["limits"]
    mem = lim["memory_mb"] * 1024 * 1024
    cpu = max(1, int(cpu_s + 0.999))
    for name, value in ((resource.RLIMIT_CPU, (cpu, cpu + 1)), (resource.RLIMIT_AS, (mem, mem)),
                        (resource.RLIMIT_FSIZE, (lim["file_mb"] * 1024 * 1024,) * 2),
                        (resource.RLIMIT_NOFILE, (64, 64)), (resource.RLIMIT_CORE, (0, 0)),
                        (resource.RLIMIT_MEMLOCK, (0, 0)), (resource.RLIMIT_MSGQUEUE, (0, 0))):
        resource.setrlimit(name, value)
    if uid is not None:
        resource.setrlimit(resource.RLIMIT_NPROC, (lim["processes"], lim["processes"]))
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        _no_new_privs_and_seccomp(SECCOMP)
        os.chdir("/tmp")
    os.umask(0o077)


def spawn(job: dict, uid: int | None, cpu_s: float, fds: dict[int, int], target) -> int:
    """Fork a confined child whose fds 0, 1, 2, ... are ``fds`` (target fd -> our fd; -1 for
    /dev/null) and which runs ``target()`` then exits; its pid."""
    pid = os.fork()
    if pid:
        return pid
    status = 70
    try:
        os.setsid()
        moved = {dst: fcntl_dupfd(os.open(os.devnull, os.O_RDWR) if src < 0 else src, 200)
                 for dst, src in fds.items()}
        for dst, fd in moved.items():
            os.dup2(fd, dst)
        os.closerange(max(fds) + 1, 1 << 20)
        confine(job, uid, cpu_s)
        status = target()
    except BaseException:  # noqa: BLE001 - nothing may escape a forked child
        status = 71
    finally:
        os._exit(status if isinstance(status, int) else 0)


def fcntl_dupfd(fd: int, lowest: int) -> int:
    import fcntl

    return fcntl.fcntl(fd, fcntl.F_DUPFD, lowest)


# -- running the solution inside a child --------------------------------------------------------


class _Quit:
    """``exit()`` and ``quit()``, which ``python -S`` lacks."""

    def __call__(self, code=None):
        raise SystemExit(code)


def _fresh_main(code: str) -> dict:
    """A clean ``__main__`` module for the solution, standard streams on fds 0-2."""
    module = types.ModuleType("__main__")
    sys.modules["__main__"] = module
    sys.argv = ["main.py"]
    sys.stdin = open(0, encoding="utf-8", errors="replace", closefd=False)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
    builtins.exit = builtins.quit = _Quit()
    return module.__dict__


def _exit_status(exc: SystemExit) -> int:
    code = exc.code
    if code is None:
        return 0
    return code & 0xFF if type(code) is int else 1


def run_program(code: str) -> int:
    """Run the solution as a script (stdio mode); its exit status."""
    namespace = _fresh_main(code)
    try:
        exec(compile(code, "main.py", "exec"), namespace)
        status = 0
    except SystemExit as exc:
        status = _exit_status(exc)
    except BaseException:  # noqa: BLE001 - the solution's own error: a runtime error
        import traceback

        traceback.print_exc()
        status = 1
    try:
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001
        status = status or 1
    return status


def _builtin_exception(exc: BaseException) -> str:
    for cls in type(exc).__mro__:
        if getattr(builtins, cls.__name__, None) is cls and issubclass(cls, Exception):
            return cls.__name__
    return "Exception"


def serve(code: str, requests: int, replies: int, export: bool) -> int:
    """Run the solution's definitions, then answer requests on fd ``requests`` until it closes.

    A request is ``{"call": handle, "args": [...], "kwargs": {...}}``, ``{"fn": name, ...}`` (a
    top-level function, else a method of ``Solution()``) or ``{"getattr": handle, "name": str}``;
    a reply ``["ok", value, back]`` (``back``: the final state of list, dict and set arguments,
    so in-place changes reach the caller) or ``["raise", builtin exception name]``. The first
    message is ``["ready", exports]`` or ``["raise", name]`` when the definitions failed."""
    namespace = _fresh_main(code)
    handles: list = []
    try:
        exec(compile(code, "main.py", "exec"), namespace)
        ready = ["ready", _exports(namespace, handles) if export else []]
    except BaseException as exc:  # noqa: BLE001
        ready = ["raise", "SystemExit" if isinstance(exc, SystemExit) else _builtin_exception(exc)]
    try:
        sys.stdout.flush()
    except BaseException:  # noqa: BLE001
        pass
    write_frame(replies, ready)
    if ready[0] != "ready":
        return 0
    remote = handles.__getitem__
    while True:
        try:
            request = json.loads(read_frame(requests, 1 << 28))
        except FrameError:
            return 0
        write_frame(replies, _answer(namespace, handles, remote, request))


def _answer(namespace: dict, handles: list, remote, request: dict) -> dict:
    try:
        if "getattr" in request:
            value = getattr(handles[request["getattr"]], request["name"])
            return ["ok", encode(value, handles)]
        if "fn" in request:
            target = namespace.get(request["fn"])
            if not callable(target) and isinstance(namespace.get("Solution"), type):
                target = getattr(namespace["Solution"](), request["fn"])
            if not callable(target):
                return ["raise", "NameError"]
        else:
            target = handles[request["call"]]
        args = decode(json.dumps(request["args"]), remote)
        kwargs = decode(json.dumps(request["kwargs"]), remote)
        result = target(*args, **kwargs)
        if "fn" in request:  # the grader's call: plain data or nothing
            return ["ok", encode(result)]
        back = [encode(a, handles) if type(a) in (list, dict, set) else None for a in args]
        return ["ok", encode(result, handles), back]
    except NotData:
        return ["raise", "NotData"]
    except SystemExit:
        return ["raise", "SystemExit"]
    except BaseException as exc:  # noqa: BLE001
        return ["raise", _builtin_exception(exc)]
    finally:
        try:
            sys.stdout.flush()
        except BaseException:  # noqa: BLE001
            pass


def _exports(namespace: dict, handles: list) -> list:
    """The solution's top-level callables (as handles) and imported modules (by name) the tests
    may use; never a name of a builtin, so a solution cannot replace ``abs`` or ``sorted``."""
    out = []
    for name, value in namespace.items():
        if name.startswith("__") or hasattr(builtins, name) or not name.isidentifier():
            continue
        if isinstance(value, types.ModuleType):
            out.append([name, "module", value.__name__])
        elif callable(value):
            handles.append(value)
            out.append([name, "handle", len(handles) - 1])
    return out


# -- the tester (assert mode): runs the test code, calls the solution through a pipe ------------


class SolutionGone(BaseException):
    """The solution stopped answering (it died or closed its pipe)."""


class CandidateError(Exception):
    """The solution raised an exception that is not a builtin one."""


class Remote:
    """A function or object living in the solution's process. Calls and attribute reads go
    there; nothing else works on it (no truth value, no comparison but identity)."""

    __slots__ = ("_rid", "_link")

    def __init__(self, rid: int, link):
        self._rid, self._link = rid, link

    def __call__(self, *args, **kwargs):
        return self._link.call({"call": self._rid}, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__") and name not in ("__name__", "__doc__", "__qualname__"):
            raise AttributeError(name)
        return self._link.request({"getattr": self._rid, "name": name})[1]

    def __bool__(self):
        raise TypeError("an object of the solution has no truth value here")

    def __repr__(self):
        return f"<solution object {self._rid}>"


class Link:
    """The tester's end of the pipes to the solution."""

    def __init__(self, requests: int, replies: int):
        self.requests, self.replies = requests, replies

    def remote(self, rid) -> Remote:
        return Remote(rid, self)

    def request(self, message: dict):
        try:
            write_frame(self.requests, message)
            reply = decode(read_frame(self.replies, 1 << 28), self.remote)
        except (FrameError, OSError) as exc:
            raise SolutionGone() from exc
        if type(reply) is not list or len(reply) < 2 or reply[0] not in ("ok", "raise"):
            raise CandidateError("malformed reply")
        if reply[0] == "raise":
            name = reply[1]
            cls = getattr(builtins, name, None) if type(name) is str else None
            if isinstance(cls, type) and issubclass(cls, Exception):
                raise cls("raised by the solution")
            raise CandidateError(str(name)[:80])
        return reply

    def call(self, message: dict, args: tuple, kwargs: dict):
        message = dict(message, args=_encode_for_solution(list(args)), kwargs=_encode_for_solution(kwargs))
        reply = self.request(message)
        if len(reply) > 2:
            _write_back(args, reply[2])
        return reply[1]


def _encode_for_solution(value, depth=0):
    """Like ``encode``, but the solution's own objects go back as their handles."""
    if depth > 100:
        raise NotData("nested too deeply")
    if type(value) is Remote:
        return {"h": value._rid}
    kind, d = type(value), depth + 1
    if kind is list:
        return [_encode_for_solution(v, d) for v in value]
    if kind is tuple:
        return {"t": [_encode_for_solution(v, d) for v in value]}
    if kind is dict:
        return {"d": [[_encode_for_solution(k, d), _encode_for_solution(v, d)] for k, v in value.items()]}
    if kind in (set, frozenset):
        return {"s" if kind is set else "f": [_encode_for_solution(v, d) for v in value]}
    return encode(value)


def _write_back(args: tuple, back) -> None:
    """Give list, dict and set arguments the solution's final state of them."""
    if type(back) is not list or len(back) != len(args):
        return
    for arg, new in zip(args, back):
        if type(arg) is list and type(new) is list:
            arg[:] = new
        elif (type(arg) is dict and type(new) is dict) or (type(arg) is set and type(new) is set):
            arg.clear()
            arg.update(new)


def _names_used(*sources: str | None) -> set[str]:
    """Every plain name the tests (and the prelude) read."""
    import ast

    return {node.id for code in sources if code for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Name)}


def _tester_namespace(exports: list, tests: dict, link) -> dict:
    """The names the tests see: the solution's callables as Remote objects, genuine standard
    modules for the modules it imported, then the trusted prelude (e.g. HumanEval's prompt,
    whose helpers must not come from the solution). Only names the tests or the prelude read
    are taken; builtin and standard-module names never come from the solution, whatever it
    claims to export."""
    import importlib

    prelude, entry_point = tests.get("prelude"), tests.get("entry_point")
    used = _names_used(tests["code"], prelude) | {entry_point}
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    remote = {}
    for export in exports:
        if type(export) is not list or len(export) != 3 or type(export[0]) is not str:
            continue
        name, kind, value = export
        if name not in used or not name.isidentifier() or name.startswith("__") or hasattr(builtins, name):
            continue
        module = value if kind == "module" and type(value) is str else name
        if module.partition(".")[0] in sys.stdlib_module_names:
            try:
                namespace[name] = importlib.import_module(module)
            except BaseException:  # noqa: BLE001 - a module the tester cannot import: left out
                pass
        elif kind == "handle" and type(value) is int:
            namespace[name] = remote[name] = link.remote(value)
    if prelude:
        exec(compile(prelude, "prelude", "exec"), namespace)
        if entry_point in remote:  # the entry point stays the solution's, not the prelude's stub
            namespace[entry_point] = remote[entry_point]
    return namespace


def run_tester(tests: dict, requests: int, replies: int, verdicts: int) -> int:
    """Run the test code against the solution's exports; one verdict frame per case."""
    link = Link(requests, replies)
    parts = split_tests(tests["code"], tests.get("entry_point"))
    try:
        ready = json.loads(read_frame(replies, 1 << 24))
    except (FrameError, OSError, ValueError, RecursionError):
        ready = None
    broken = None
    if type(ready) is not list or len(ready) != 2 or ready[0] != "ready" or type(ready[1]) is not list:
        name = ready[1] if type(ready) is list and len(ready) == 2 and ready[0] == "raise" else None
        broken = "load:" + (name if type(name) is str else "SolutionGone")
        namespace = {}
    else:
        try:
            namespace = _tester_namespace(ready[1], tests, link)
        except BaseException as exc:  # noqa: BLE001
            broken, namespace = "prelude:" + type(exc).__name__, {}
    n = 0
    for kind, _line, source in parts:
        if broken is not None:
            if kind != "setup":
                write_frame(verdicts, {"case": n, "passed": False, "exc": broken})
                n += 1
            continue
        try:
            if kind == "check":
                check, entry = namespace.get("check"), namespace.get(source)
                if type(check) is not types.FunctionType or type(entry) is not Remote:
                    raise NameError("check or the entry point is missing")
                check(entry)
            else:
                exec(compile(_module(source), "tests", "exec"), namespace)
            passed, exc_name = True, None
        except SolutionGone:
            passed, exc_name = False, "SolutionGone"
            broken = exc_name
        except BaseException as exc:  # noqa: BLE001
            passed, exc_name = False, type(exc).__name__
            if kind == "setup":
                broken = "setup:" + exc_name
        if kind != "setup":
            write_frame(verdicts, {"case": n, "passed": passed, "exc": exc_name})
            n += 1
    return 0


# -- the harness: the sandbox's main program ----------------------------------------------------


SECCOMP = None


class Watch:
    """The bound of one case: CPU time used by all of the solution's processes (so a verdict
    does not depend on how loaded the machine is), time spent idle (sleeping or blocked, no
    process runnable), the sandbox's total resident memory, and a generous wall-clock net.
    ``expired()`` is called about every POLL_S; it returns why the case must stop, or None."""

    def __init__(self, harness: Harness, pids: tuple[int, ...], cpu_budget: float):
        self.harness, self.pids, self.budget = harness, pids, cpu_budget
        self.idle_budget = harness.timeout + IDLE_GRACE_S
        self.memory = harness.job["limits"]["memory_mb"] * 1024 * 1024
        self.start_cpu = self._measure()[0]
        self.idle = 0.0
        self.last = time.monotonic()
        self.hard_deadline = self.last + HARD_FACTOR * cpu_budget + 10

    def _measure(self) -> tuple[float, bool, int]:
        """CPU seconds of the solution's processes, their reaped children's and (in the sandbox)
        the orphans reaped by the namespace's init; whether any process is runnable; resident
        bytes of them all."""
        if self.harness.sandboxed:
            pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
        else:
            pids = list(self.pids)
        total, running, rss = 0.0, False, 0
        for pid in pids:
            state, own, children, resident = _stat(pid)
            if pid == 1 and self.harness.sandboxed:  # init: only the orphans it reaped
                total += children
                continue
            total += own + children
            rss += resident
            running = running or state in (b"R", b"D")
        return total, running, rss

    def expired(self) -> str | None:
        now = time.monotonic()
        if now - self.last < POLL_S / 2:
            return None
        cpu, running, rss = self._measure()
        if not running:
            self.idle += now - self.last
        self.last = now
        if rss > self.memory:
            return "memory_limit"
        if cpu - self.start_cpu > self.budget or self.idle > self.idle_budget or now > self.hard_deadline:
            return "timeout"
        return None


class Harness:
    def __init__(self, job: dict):
        self.job = job
        self.sandboxed = bool(job["sandboxed"])
        self.uid = job["uid"] if self.sandboxed else None
        self.timeout = float(job["limits"]["timeout_s"])
        self.cap = int(job["limits"]["output_bytes"])

    def emit(self, payload: dict) -> None:
        write_frame(1, payload)

    def kill_all(self, pid: int | None = None) -> None:
        """Kill every process but this one and the namespace's init (the sandbox is a PID
        namespace of its own); without a sandbox, the child's process group. Our own children
        are left as zombies for their waitpid; orphans are reaped by the namespace's init."""
        if self.sandboxed and os.getpid() < 10:  # never on a host, where pid < 10 is impossible
            for _ in range(20):
                try:
                    os.kill(-1, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                others = [p for p in os.listdir("/proc") if p.isdigit() and int(p) not in (1, os.getpid())]
                if not any(_alive(int(p)) for p in others):
                    break
                time.sleep(0.005)
        elif pid is not None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    # stdio ---------------------------------------------------------------------------------
    def run_stdio(self) -> None:
        code = self.job["code"]
        for i, case in enumerate(self.job["cases"]):
            self.emit(dict(self.stdio_case(code, _bytes(case["input"])), case=i))

    def stdio_case(self, code: str, data: bytes) -> dict:
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        pid = spawn(self.job, self.uid, self.timeout, {0: in_r, 1: out_w, 2: -1}, lambda: run_program(code))
        os.close(in_r)
        os.close(out_w)
        pidfd = os.pidfd_open(pid)
        watch = Watch(self, (pid,), self.timeout)
        out, view, truncated, exited, status = bytearray(), memoryview(data), False, False, None
        os.set_blocking(in_w, False)
        writing = in_w if view else None
        if writing is None:
            os.close(in_w)
        reading = out_r
        stopped = None
        while reading is not None or not exited:
            rlist = [fd for fd in (reading, pidfd if not exited else None) if fd is not None]
            wlist = [writing] if writing is not None else []
            stopped = watch.expired()  # also after the exit: a survivor holding stdout open
            if stopped:
                break
            r, w, _ = select.select(rlist, wlist, [], POLL_S)
            if writing is not None and w:
                try:
                    view = view[os.write(writing, view[:65536]):]
                except (BrokenPipeError, BlockingIOError) as exc:
                    if isinstance(exc, BrokenPipeError):
                        view = view[:0]
                if not view:
                    os.close(writing)
                    writing = None
            if reading is not None and reading in r:
                chunk = os.read(reading, 65536)
                if not chunk:
                    os.close(reading)
                    reading = None
                else:
                    out += chunk
                    if len(out) > self.cap:
                        truncated = True
                        del out[self.cap:]
                        break
            if not exited and pidfd in r:
                _, status, usage = os.wait4(pid, 0)
                exited = True
                self.kill_all(pid)  # whatever it left running (its output pipe closes with it)
        self.kill_all(pid)
        if not exited:
            _, status, usage = os.wait4(pid, 0)
        for fd in (writing, reading, pidfd):
            if fd is not None:
                os.close(fd)
        cpu = usage.ru_utime + usage.ru_stime
        result = {"stdout": out.decode("utf-8", "replace"), "cpu": round(cpu, 4)}
        if truncated:
            result["status"] = "output_limit"
        elif stopped == "memory_limit":
            result["status"] = "memory_limit"
        elif stopped or not exited or cpu > self.timeout or _signalled(status, (signal.SIGXCPU,)):
            result["status"] = "timeout"
        elif os.WIFSIGNALED(status):
            result.update(status="crash", signal=os.WTERMSIG(status))
        else:
            result.update(status="exit", code=os.WEXITSTATUS(status))
        return result

    # call ----------------------------------------------------------------------------------
    def start_server(self, export: bool, cpu_s: float) -> tuple[int, int, int]:
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        code = self.job["code"]
        pid = spawn(self.job, self.uid, cpu_s, {0: -1, 1: -1, 2: -1, 3: req_r, 4: rep_w},
                    lambda: serve(code, 3, 4, export))
        os.close(req_r)
        os.close(rep_w)
        return pid, req_w, rep_r

    def run_call(self) -> None:
        cases = self.job["cases"]
        server = None
        for i, case in enumerate(cases):
            if server is None:
                server = self.start_server(False, self.timeout * (len(cases) - i) + 1)
                ready = self.await_reply(server, self.timeout)
                if isinstance(ready, str) or not ready.startswith(b'["ready"'):
                    self.emit({"case": i, "status": ready if isinstance(ready, str) else "load_error"})
                    self.stop(server)
                    server = None
                    continue
            request = {"fn": case["fn"], "args": case["args"], "kwargs": case["kwargs"]}
            try:
                write_frame(server[1], request)
                reply = self.await_reply(server, self.timeout)
            except OSError:
                reply = b""
            if isinstance(reply, str) or reply == b"":
                self.emit({"case": i, "status": reply if isinstance(reply, str) else "crash"})
                self.stop(server)
                server = None
            else:
                self.emit({"case": i, "status": "reply", "reply": reply.decode("utf-8", "replace")})
        if server is not None:
            self.stop(server)

    def await_reply(self, server, cpu_budget: float) -> bytes | str:
        """The server's next reply frame; "timeout" or "memory_limit" when the watch stopped it,
        b"" when it died or sent a malformed frame."""
        pid, _, replies = server
        watch = Watch(self, (pid,), cpu_budget)
        buf = bytearray()
        need = HEADER.size
        header_done = False
        while True:
            r, _, _ = select.select([replies], [], [], POLL_S)
            stopped = watch.expired()
            if stopped:
                return stopped
            if not r:
                continue
            chunk = os.read(replies, min(need - len(buf), 1 << 20))
            if not chunk:
                return b""
            buf += chunk
            if len(buf) < need:
                continue
            if not header_done:
                (size,) = HEADER.unpack(bytes(buf))
                if size > self.cap:
                    return b""
                header_done, need, buf = True, size, bytearray()
                if size == 0:
                    return b""
                continue
            return bytes(buf)

    def stop(self, server) -> None:
        pid, requests, replies = server
        for fd in (requests, replies):
            try:
                os.close(fd)
            except OSError:
                pass
        self.kill_all(pid)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    # assert --------------------------------------------------------------------------------
    def run_assert(self) -> None:
        n_cases = self.job["n_cases"]
        budget = self.timeout * max(1, n_cases)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        code = self.job["code"]
        solution = spawn(self.job, self.uid, budget + 1, {0: -1, 1: -1, 2: -1, 3: req_r, 4: rep_w},
                         lambda: serve(code, 3, 4, True))
        os.close(req_r)
        os.close(rep_w)
        # Only now do the tests come in: the solution's process never had them in memory.
        tests = json.loads(read_frame(0, 1 << 26))
        ver_r, ver_w = os.pipe()
        tester_uid = None if self.uid is None else self.uid + 1
        tester = spawn(self.job, tester_uid, budget + 1, {0: -1, 1: -1, 2: -1, 3: req_w, 4: rep_r, 5: ver_w},
                       lambda: run_tester(tests, 3, 4, 5))
        for fd in (req_w, rep_r, ver_w):
            os.close(fd)
        watch = Watch(self, (solution, tester), budget)
        buf, seen, stopped = bytearray(), 0, None
        while seen < n_cases:
            stopped = watch.expired()
            if stopped:
                break
            r, _, _ = select.select([ver_r], [], [], POLL_S)
            if not r:
                continue
            chunk = os.read(ver_r, 65536)
            if not chunk:
                break
            buf += chunk
            while len(buf) >= HEADER.size:
                (size,) = HEADER.unpack(bytes(buf[:HEADER.size]))
                if len(buf) < HEADER.size + size:
                    break
                verdict = json.loads(bytes(buf[HEADER.size:HEADER.size + size]))
                del buf[:HEADER.size + size]
                self.emit({"case": seen, "status": "verdict", "passed": verdict.get("passed") is True,
                           "exc": str(verdict.get("exc") or "")[:60]})
                seen += 1
        for case in range(seen, n_cases):
            self.emit({"case": case, "status": stopped or "crash"})
        os.close(ver_r)
        self.kill_all(tester)
        self.kill_all(solution)
        for pid in (solution, tester):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that no byte decoded to
        return text.encode("utf-8", "surrogatepass")


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return False


def _stat(pid: int) -> tuple[bytes, float, float, int]:
    """A process's state letter, its CPU seconds, its reaped children's, its resident bytes."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
        own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        children = (int(fields[13]) + int(fields[14])) / CLOCK_TICKS
        return fields[0], own, children, int(fields[21]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return b"X", 0.0, 0.0, 0


def _signalled(status, signals) -> bool:
    return status is not None and os.WIFSIGNALED(status) and os.WTERMSIG(status) in signals


def main() -> None:
    global SECCOMP
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    job = json.loads(read_frame(0, 1 << 28))
    write_frame(1, {"started": True})  # before any model code runs: its absence is never the model's doing
    if job["sandboxed"]:
        SECCOMP = seccomp_program()
        import ctypes  # noqa: F401 - loaded once here, not in every confined child
    harness = Harness(job)
    getattr(harness, "run_" + job["mode"])()
    write_frame(1, {"done": True})


if __name__ == "__main__":
    main()
