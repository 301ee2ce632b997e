"""The one bounded grading pool: worker processes grading items with a hard bound per item.

The offline scorer, the HTTP server and the trainer's rewards (through ``rewardkit.grading``) all
grade through ``GradingPool``; what an item is and what comes back is the pool's ``Job``: raw
input rows to output lines for the scorer (``scoring.rows.RowJob``), samples to grade columns for
everyone else (``SampleJob``). The grader config is parsed once, by the caller, and travels to the
workers as a typed ``GraderConfig``.

Each worker loads the grader once and grades one task at a time. A task is a batch of rows
graded with ``grade_batch``; its budget (``rewardkit.bounded.Budget``: the worker's CPU time, with
a wall-clock net) is the per-sample bound plus four times the average CPU time per row seen so
far. A batch that misses its budget (or whose worker crashes) is split into single rows, each
with exactly the per-sample bound; a single row past its bound is a ``timeout`` and a single row
whose worker crashes is retried once, then reported as ``worker_crashed``. A killed or crashed
worker is replaced and the run goes on. Workers exit as soon as this process is gone.

Results come back in input order; at most ``window`` rows are in flight or waiting to be
yielded, so memory stays flat.

Why not ``pebble`` (a well-kept process pool with per-task timeouts): its timeouts are wall-clock,
and the bound here counts CPU time (``rewardkit.bounded.Budget``) so that a loaded machine gives
the same verdicts; it also has no notion of a batch that, past its budget, is split into rows that
each get the bound, which is what keeps the per-row cost low for fast graders.
"""

from __future__ import annotations

import collections
import itertools
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Protocol

from rewardkit.bounded import WALL_FACTOR, Budget, killed_by_cpu_limit, limit_cpu, watch_parent
from rewardkit.errors import RewardkitError
from rewardkit.grader import Grader, GraderConfig
from rewardkit.types import Grades


class Job(Protocol):
    """What the pool's workers do with items (picklable: it travels to the workers)."""

    def grade(self, grader: Grader, items: list[Any]) -> list[Any]:
        """One result per item, in order (runs in a worker)."""

    def fail(self, items: list[Any], error: str, reason: str) -> list[Any]:
        """Results for items that could not be graded: a timeout, a crashed worker (runs here)."""


BUDGET_REASON = "the time budget of the run ran out before this row was graded"
GradeRow = tuple  # (score, passed, reason, error, extracted, parts): one grade, cheap to pickle


class SampleJob:
    """Samples (``Sample`` objects or mappings) in, one ``GradeRow`` per sample out."""

    def grade(self, grader: Grader, items: list[Any]) -> list[GradeRow]:
        g = grader.grade_batch(items)
        return list(zip(g.scores, g.passed, g.reasons, g.errors, g.extracted, g.parts))

    def fail(self, items: list[Any], error: str, reason: str) -> list[GradeRow]:
        return [(0.0, False, reason, error, None, {}) for _ in items]


def grades_of(rows: list[GradeRow]) -> Grades:
    """``Grades`` columns from the pool's grade rows."""
    if not rows:
        return Grades([])
    scores, passed, reasons, errors, extracted, parts = map(list, zip(*rows))
    return Grades(scores, passed, reasons, errors, extracted, parts)


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _context(start_method: str | None = None):
    # fork starts workers in milliseconds and carries plugins registered in this process, but
    # is only safe from a single-threaded process (not inside a Ray worker, say); otherwise spawn.
    if start_method is None:
        single_threaded = threading.active_count() == 1
        start_method = "fork" if sys.platform.startswith("linux") and single_threaded else "spawn"
    return mp.get_context(start_method)


def _worker_main(conn: Connection, config: GraderConfig, job: Job) -> None:
    watch_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    from rewardkit.registry import load_grader

    try:
        grader = load_grader(config)
    except Exception as exc:  # e.g. a plugin registered in the parent only, not installed
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        task_id, items, seconds = task
        limit_cpu(seconds)  # the backstop, should this process outlive its parent mid-task
        conn.send((task_id, job.grade(grader, items)))


@dataclass
class Task:
    seqs: list[int]  # positions in the run, for putting results back in order
    items: list[Any]  # what the job grades: (row number, raw row) for the scorer, samples otherwise
    single: bool = False
    attempt: int = 0

    def split(self) -> list[Task]:
        return [Task([seq], [item], single=True) for seq, item in zip(self.seqs, self.items)]


@dataclass
class Worker:
    process: Any
    conn: Connection
    task: Task | None = None
    task_id: int = 0
    budget: Budget | None = None


@dataclass
class PoolStats:
    """What happened to workers during a run."""

    timeouts: int = 0
    crashes: int = 0
    replaced: int = 0
    split_batches: int = 0


class GradingPool:
    """Worker processes grading items with ``job``; ``run`` yields results in input order."""

    def __init__(self, config: GraderConfig, job: Job, workers: int, timeout_s: float, batch_size: int = 256,
                 start_method: str | None = None, wall_factor: float = WALL_FACTOR):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.config = config
        self.job = job
        self.n_workers = workers
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self.start_method = start_method
        self.wall_factor = wall_factor
        self.window = workers * batch_size * 4
        self.stats = PoolStats()
        self._workers: list[Worker] = []
        self._task_ids = itertools.count()
        self._seconds_per_row = 0.0

    # -- workers ---------------------------------------------------------------------------
    def _start_worker(self) -> Worker:
        ctx = _context(self.start_method)  # decided at each start: a replacement may start from a threaded process
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=_worker_main, args=(child, self.config, self.job), daemon=True
        )
        process.start()
        child.close()
        return Worker(process=process, conn=parent)

    def _replace(self, worker: Worker) -> Worker:
        """Kill a worker (stuck or dead) and start a fresh one in its place."""
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self.stats.replaced += 1
        fresh = self._start_worker()
        self._workers[self._workers.index(worker)] = fresh
        return fresh

    def close(self) -> None:
        for worker in self._workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in self._workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.conn.close()
        self._workers = []

    def _assign(self, worker: Worker, task: Task) -> None:
        worker.task, worker.task_id = task, next(self._task_ids)
        bound = self.timeout_s if task.single else self.timeout_s + 4 * self._seconds_per_row * len(task.items)
        worker.budget = Budget(worker.process.pid, bound, self.wall_factor)
        try:
            worker.conn.send((worker.task_id, task.items, bound))
        except (BrokenPipeError, OSError):
            worker.budget.wall_deadline = worker.budget.started  # a dead worker: noticed as a crash by the wait loop

    # -- the run ---------------------------------------------------------------------------
    def __enter__(self) -> GradingPool:
        if not self._workers:
            self._workers = [self._start_worker() for _ in range(self.n_workers)]
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def run(self, rows: Iterable[Any], deadline: float | None = None) -> Iterator[Any]:
        """The job's result for every item, in the order given. Starts (and then stops)
        the workers unless the pool is already open as a context manager. Past ``deadline``
        (``time.monotonic()``), rows not yet started are ``timeout`` without being graded."""
        owned = not self._workers
        self.__enter__()
        try:
            yield from self._run(iter(rows), deadline)
        finally:
            if owned:
                self.close()

    def _run(self, rows: Iterator[Any], deadline: float | None) -> Iterator[Any]:
        pending: collections.deque[Task] = collections.deque()
        seqs = itertools.count()
        order: collections.deque[int] = collections.deque()  # positions dispatched, in input order
        done: dict[int, Any] = {}
        exhausted = False
        while True:
            # Keep every idle worker busy, within the window.
            for worker in self._workers:
                if worker.task is not None:
                    continue
                if not pending and not exhausted and len(order) < self.window:
                    batch = list(itertools.islice(rows, self.batch_size))
                    if batch:
                        task = Task([next(seqs) for _ in batch], batch)
                        order.extend(task.seqs)
                        pending.append(task)
                    else:
                        exhausted = True
                while pending and deadline is not None and time.monotonic() >= deadline:
                    task = pending.popleft()
                    reason = BUDGET_REASON
                    done.update(zip(task.seqs, self.job.fail(task.items, "timeout", reason)))
                if pending:
                    self._assign(worker, pending.popleft())
            # Yield what is complete at the head of the order.
            while order and order[0] in done:
                yield done.pop(order.popleft())
            busy = [w for w in self._workers if w.task is not None]
            if not busy:
                if exhausted and not pending and not order:
                    return
                continue
            timeout = min(w.budget.wait_hint() for w in busy)
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout)
            for worker in busy:
                if worker.conn in ready:
                    try:
                        task_id, results = worker.conn.recv()
                    except (EOFError, OSError):
                        self._crashed(worker, pending, done)
                        continue
                    if task_id == "fatal":
                        raise RewardkitError(f"a grading worker could not load the grader: {results}")
                    if task_id == worker.task_id:
                        self._observe(worker.budget.used(), len(worker.task.items))
                        done.update(zip(worker.task.seqs, results))
                        worker.task = None
                elif worker.process.sentinel in ready or not worker.process.is_alive():
                    worker.process.join()
                    if killed_by_cpu_limit(worker.process.exitcode):
                        self._timed_out(worker, pending, done)
                    else:
                        self._crashed(worker, pending, done)
                elif worker.budget.expired():
                    self._timed_out(worker, pending, done)

    def _observe(self, seconds: float, rows: int) -> None:
        """Track the average CPU seconds per row, which sets the next batches' budgets."""
        per_row = seconds / max(1, rows)
        self._seconds_per_row = per_row if not self._seconds_per_row else 0.8 * self._seconds_per_row + 0.2 * per_row

    def _timed_out(self, worker: Worker, pending, done) -> None:
        task = worker.task
        self._replace(worker)
        if task.single:
            self.stats.timeouts += 1
            reason = f"grading used more than {self.timeout_s} s; the worker was replaced"
            done.update(zip(task.seqs, self.job.fail(task.items, "timeout", reason)))
        else:
            self.stats.split_batches += 1
            pending.extendleft(reversed(task.split()))

    def _crashed(self, worker: Worker, pending, done) -> None:
        task = worker.task
        self.stats.crashes += 1
        self._replace(worker)
        if not task.single:
            self.stats.split_batches += 1
            pending.extendleft(reversed(task.split()))
        elif task.attempt == 0:
            pending.appendleft(Task(task.seqs, task.items, single=True, attempt=1))
        else:
            reason = "the worker process crashed twice on this row"
            done.update(zip(task.seqs, self.job.fail(task.items, "worker_crashed", reason)))
