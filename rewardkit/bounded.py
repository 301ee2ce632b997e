"""Run a function in a child process under a hard wall-clock bound that works in any thread.

Signal-based timeouts (SIGALRM) work only in the main thread of the main interpreter and
cannot interrupt C code such as a huge integer power. A child process can always be killed:
``BoundedWorker.call`` sends the call over a pipe, waits at most ``timeout`` seconds, and on
expiry kills the child (the next call starts a fresh one). The child is a plain subprocess,
so it also works inside daemonic worker processes, where ``multiprocessing`` may not fork.
"""

from __future__ import annotations

import importlib
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from typing import Any

_HEADER = struct.Struct("!I")
_READY = b"R"
CHILD_MEMORY_LIMIT = 4 * 1024**3  # bytes of address space for the child


class BoundTimeout(TimeoutError):
    """The call did not finish within its bound; the child was killed."""


class BoundedWorker:
    """A child Python process that runs ``module:function`` calls with a deadline."""

    def __init__(self, preload: tuple[str, ...] = ()):
        self.preload = preload
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "rewardkit.bounded", *self.preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        # Start-up (importing sympy) is not counted against any call's bound.
        if _read_exact(proc.stdout, 1, time.monotonic() + 120) != _READY:
            proc.kill()
            raise RuntimeError("bounded worker failed to start")
        return proc

    def call(self, target: str, args: tuple, timeout: float) -> Any:
        """``module:function(*args)`` in the child; BoundTimeout after ``timeout`` seconds."""
        with self._lock:
            if self._proc is None or self._proc.poll() is not None:
                self._proc = self._start()
            proc = self._proc
            payload = pickle.dumps((target, args), protocol=pickle.HIGHEST_PROTOCOL)
            deadline = time.monotonic() + timeout
            try:
                proc.stdin.write(_HEADER.pack(len(payload)) + payload)
                proc.stdin.flush()
                size = _HEADER.unpack(_read_exact(proc.stdout, _HEADER.size, deadline))[0]
                status, value = pickle.loads(_read_exact(proc.stdout, size, deadline))
            except (BoundTimeout, OSError, EOFError, struct.error) as exc:
                self.close()
                if isinstance(exc, BoundTimeout):
                    raise
                raise RuntimeError(f"bounded worker died: {exc}") from exc
            if status == "error":
                raise RuntimeError(value)
            return value

    def close(self) -> None:
        """Kill the child (a later call starts a new one)."""
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
            for stream in (self._proc.stdin, self._proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
            self._proc = None


def _read_exact(stream, size: int, deadline: float) -> bytes:
    chunks, remaining, fd = [], size, stream.fileno()
    while remaining:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise BoundTimeout("bound exceeded")
        chunk = os.read(fd, remaining)
        if not chunk:
            raise EOFError("worker closed its pipe")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


_local = threading.local()


def _forget_inherited_workers() -> None:
    # A forked child must not talk to its parent's children over inherited pipes.
    global _local
    _local = threading.local()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_workers)


def worker(preload: tuple[str, ...] = ()) -> BoundedWorker:
    """This thread's worker (one child per thread, so threads never wait on each other)."""
    workers = getattr(_local, "workers", None)
    if workers is None:
        workers = _local.workers = {}
    if preload not in workers:
        workers[preload] = BoundedWorker(preload)
    return workers[preload]


def _serve() -> None:
    """The child's loop: read a call, run it, write the result; exit when the parent goes."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass
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
        target, args = pickle.loads(stdin.read(_HEADER.unpack(header)[0]))
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
