"""Bounded execution: a budget of CPU time with a wall-clock net, children that die with their parent,
and a per-process pool of child processes for calls that may run away (sympy, huge powers).

Why CPU time: a wall-clock bound turns the same row into ``timeout`` on a loaded machine, so a
resumed run could differ from an uninterrupted one. A ``Budget`` counts the CPU time of the process
doing the work (``/proc/PID/stat`` on Linux) and expires when that passes the bound, or when wall
time passes ``WALL_FACTOR`` times the bound (a grade that sleeps or blocks uses no CPU). Where CPU
time cannot be read, the bound is wall-clock.

Why not a parent-death signal: ``PR_SET_PDEATHSIG`` fires when the *thread* that started the child
ends, and children here are started from whichever thread needs one (a trainer's reward thread, a
server's executor). So every child runs ``watch_parent``: a daemon thread that exits the process as
soon as its parent is gone, plus an ``RLIMIT_CPU`` backstop set per call that ends a child stuck in
C code holding the GIL (where that thread cannot run) even when no parent is left to kill it.

``worker(preload).call("module:function", args, timeout)`` runs a call in a child process of this
process's pool for ``preload``: children start lazily, up to ``max_children()`` (the cores), and are
shared by all threads; a thread that finds them all busy waits for one, and that wait is not charged
to its bound, which starts when its call reaches a child. Threads that end leave nothing behind.
"""

from __future__ import annotations

import importlib
import math
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any

_HEADER = struct.Struct("!I")
_READY = b"R"
CHILD_MEMORY_LIMIT = 4 * 1024**3  # bytes of address space for a child
WALL_FACTOR = 10.0  # wall-clock net: this many times the CPU bound
WATCH_INTERVAL = 0.1  # seconds between a child's checks that its parent is alive
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class BoundTimeout(TimeoutError):
    """The call did not finish within its bound; the child was killed."""


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) used so far by process ``pid``; None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rpartition(b")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime (fields 14 and 15)


class Budget:
    """A bound on the work of one process: ``seconds`` of its CPU time, or ``WALL_FACTOR`` times that
    of wall time (pure wall time where CPU time cannot be read)."""

    __slots__ = ("pid", "seconds", "started", "wall_deadline", "_cpu0", "_used")

    def __init__(self, pid: int, seconds: float, wall_factor: float = WALL_FACTOR):
        self.pid, self.seconds = pid, seconds
        self.started = time.monotonic()
        self._cpu0 = cpu_seconds(pid)
        self._used = 0.0
        self.wall_deadline = self.started + seconds * (wall_factor if self._cpu0 is not None else 1.0)

    def used(self) -> float:
        """CPU seconds used since the budget started (wall seconds where CPU time cannot be read)."""
        now = cpu_seconds(self.pid) if self._cpu0 is not None else None
        self._used = (now - self._cpu0) if now is not None else time.monotonic() - self.started
        return self._used

    def expired(self) -> bool:
        return time.monotonic() >= self.wall_deadline or self.used() >= self.seconds

    def wait_hint(self) -> float:
        """How long one may wait before the budget could have run out (CPU time grows no faster
        than wall time for a single-threaded process)."""
        now = time.monotonic()
        return max(0.0, min(self.seconds - self._used, self.wall_deadline - now))


class ThreadBudget:
    """A bound on work done in the calling thread: ``seconds`` of that thread's CPU time (a thread
    waiting for the GIL or a core does not spend it, so verdicts do not depend on load), or
    ``WALL_FACTOR`` times that of wall time for work that blocks instead of computing. Graders that
    compute in-process (the math grader's fast path) check it as they go."""

    __slots__ = ("seconds", "cpu_end", "wall_end")

    def __init__(self, seconds: float, wall_factor: float = WALL_FACTOR):
        self.seconds = seconds
        self.cpu_end = time.thread_time() + seconds
        self.wall_end = time.monotonic() + wall_factor * seconds

    def expired(self) -> bool:
        return time.thread_time() > self.cpu_end or time.monotonic() > self.wall_end

    def left(self) -> float:
        """Seconds of the bound left, for work handed on to a bounded child process."""
        return min(self.cpu_end - time.thread_time(), self.wall_end - time.monotonic())


# -- in every child ------------------------------------------------------------------------------


def watch_parent() -> None:
    """Exit this process as soon as its parent is gone (call it first thing in a child)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCH_INTERVAL)
        os._exit(70)

    threading.Thread(target=watch, name="rewardkit-watch-parent", daemon=True).start()


def limit_cpu(seconds: float | None) -> None:
    """Backstop for the next piece of work: the kernel ends this process (SIGXCPU) once it has used
    ``seconds`` more CPU time plus a margin; None lifts the limit."""
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if seconds is None:
        soft = hard
    else:
        used = resource.getrusage(resource.RUSAGE_SELF)
        soft = math.ceil(used.ru_utime + used.ru_stime + 2 * seconds + 5)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    except (ValueError, OSError):
        pass


def killed_by_cpu_limit(returncode: int | None) -> bool:
    """Whether a child ended through its ``limit_cpu`` backstop (a timeout, not a crash)."""
    return returncode == -signal.SIGXCPU


# -- one child ---------------------------------------------------------------------------------


class BoundedWorker:
    """A child Python process that runs ``module:function`` calls, each under a ``Budget``."""

    def __init__(self, preload: tuple[str, ...] = ()):
        self.preload = preload
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _start(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rewardkit.bounded", *self.preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        # Start-up (importing sympy) is not counted against any call's bound.
        try:
            ready = _read_exact(proc.stdout, 1, Budget(proc.pid, 120, wall_factor=1))
        except (BoundTimeout, EOFError):
            ready = b""
        if ready != _READY:
            proc.kill()
            proc.wait()
            raise RuntimeError("bounded worker failed to start")
        return proc

    def call(self, target: str, args: tuple, timeout: float) -> Any:
        """``module:function(*args)`` in the child; BoundTimeout once it used ``timeout`` s of CPU
        (or ``WALL_FACTOR`` times that of wall time)."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            proc = self._proc
            payload = pickle.dumps((target, args, timeout), protocol=pickle.HIGHEST_PROTOCOL)
            budget = Budget(proc.pid, timeout)
            try:
                proc.stdin.write(_HEADER.pack(len(payload)) + payload)
                proc.stdin.flush()
                size = _HEADER.unpack(_read_exact(proc.stdout, _HEADER.size, budget))[0]
                status, value = pickle.loads(_read_exact(proc.stdout, size, budget))
            except (BoundTimeout, OSError, EOFError, struct.error) as exc:
                returncode = self.close()
                if isinstance(exc, BoundTimeout) or killed_by_cpu_limit(returncode):
                    raise BoundTimeout("bound exceeded") from None
                raise RuntimeError(f"bounded worker died: {exc}") from exc
            if status == "error":
                raise RuntimeError(value)
            return value

    def close(self) -> int | None:
        """Kill the child (a later call starts a new one); its return code."""
        if self._proc is None:
            return None
        self._proc.kill()
        returncode = self._proc.wait()
        for stream in (self._proc.stdin, self._proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self._proc = None
        return returncode


def _read_exact(stream, size: int, budget: Budget) -> bytes:
    chunks, remaining, fd = [], size, stream.fileno()
    while remaining:
        if not select.select([fd], [], [], budget.wait_hint())[0]:
            if budget.expired():
                raise BoundTimeout("bound exceeded")
            continue
        chunk = os.read(fd, remaining)
        if not chunk:
            raise EOFError("worker closed its pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


# -- the per-process pool of children ------------------------------------------------------------


def max_children() -> int:
    """How many children a pool may start: ``REWARDKIT_BOUNDED_CHILDREN``, else the cores (at least 2)."""
    value = os.environ.get("REWARDKIT_BOUNDED_CHILDREN", "")
    if value.isdigit() and int(value) > 0:
        return int(value)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(2, cores)


class ChildPool:
    """This process's children for one ``preload``, shared by every thread."""

    def __init__(self, preload: tuple[str, ...], limit: int):
        self.preload, self.limit = preload, limit
        self.children: list[BoundedWorker] = []
        self._idle: list[BoundedWorker] = []
        self._cond = threading.Condition()

    def call(self, target: str, args: tuple, timeout: float) -> Any:
        """Run a call in an idle child (waiting for one if all are busy; the wait is not charged)."""
        child = self._acquire()
        try:
            return child.call(target, args, timeout)
        finally:
            with self._cond:
                self._idle.append(child)
                self._cond.notify()

    def _acquire(self) -> BoundedWorker:
        with self._cond:
            while not self._idle and len(self.children) >= self.limit:
                self._cond.wait()
            if self._idle:
                return self._idle.pop()
            child = BoundedWorker(self.preload)
            self.children.append(child)
            return child

    def close(self) -> None:
        with self._cond:
            for child in self.children:
                child.close()


_pools: dict[tuple[str, ...], ChildPool] = {}
_pools_lock = threading.Lock()


def _forget_inherited_children() -> None:
    # A forked child must not talk to its parent's children over inherited pipes.
    global _pools, _pools_lock
    _pools, _pools_lock = {}, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_children)


def worker(preload: tuple[str, ...] = ()) -> ChildPool:
    """This process's pool of bounded children for ``preload`` (one pool per process, not per thread)."""
    pool = _pools.get(preload)
    if pool is None:
        with _pools_lock:
            pool = _pools.setdefault(preload, ChildPool(preload, max_children()))
    return pool


def _serve() -> None:
    """The child's loop: read a call, run it under its CPU backstop, write the result; exit when
    the parent goes."""
    watch_parent()
    try:
        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))
    except (ValueError, OSError):
        pass
    limit_cpu(None)  # a limit inherited from a bounded parent is not this child's
    for module in sys.argv[1:]:
        importlib.import_module(module)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    stdout.write(_READY)
    stdout.flush()
    cache: dict[str, Any] = {}
    while True:
        header = stdin.read(_HEADER.size)
        if len(header) < _HEADER.size:
            return
        target, args, timeout = pickle.loads(stdin.read(_HEADER.unpack(header)[0]))
        limit_cpu(timeout)
        try:
            if target not in cache:
                module, _, name = target.partition(":")
                cache[target] = getattr(importlib.import_module(module), name)
            result = ("ok", cache[target](*args))
        except BaseException as exc:  # reported to the parent, never fatal here
            result = ("error", f"{type(exc).__name__}: {exc}")
        data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.write(_HEADER.pack(len(data)) + data)
        stdout.flush()


if __name__ == "__main__":
    _serve()
