"""``rewardkit serve``: graders over HTTP, speaking OpenRLHF's remote reward protocol.

Endpoints:

* ``POST /get_reward`` (and ``POST /``): OpenRLHF's protocol. Body ``{"query": [...], "prompts":
  [...], "labels": [...]}``; answer ``{"rewards": [...], "scores": [...], "extra_logs": {...}}``.
  The response is what the model wrote: the query cleaned by the one ``ResponseCleaner`` (prompt and
  special tokens removed; a query whose prompt cannot be found scores 0 with ``prompt_not_found``).
* ``POST /grade``: ``{"samples": [{"response": ..., "reference": ..., "prompt": ...}, ...]}``;
  answer ``{"grades": [{"score", "passed", "reason", "error", "extracted", "parts"}, ...]}``.
* ``GET /health``: ``{"status": "ok", "grader": {...}, "workers": N}``.

Grading runs in worker processes (one single-worker ``rewardkit.pool.GradingPool`` per worker,
lent to one request chunk at a time), each row under the hard bound (CPU time, with a wall-clock net). Fairness and limits:

* every request has a time budget (``request_timeout_s``): rows not started when it runs out are
  ``timeout`` grades, so a request answers in bounded time;
* workers are lent per client address: while other clients are active (a request in the last
  ``ACTIVE_S`` seconds) a client is lent at most all workers but one, and a client whose rows hit
  the bound at most half of them for ``SLOW_CLIENT_S`` seconds, so one client's hostile samples
  cannot hold every worker while others wait (a lone client is lent them all);
* a body not received within ``body_timeout_s`` is a 408 and the connection is closed; idle
  keep-alive connections close after ``KEEP_ALIVE_S``;
* every malformed body is a 4xx with the reason, never a 500: not JSON (or an integer over
  Python's 4,300-digit limit, or nesting past the parser) 400, nested deeper than ``MAX_DEPTH`` or
  of the wrong shape (non-string queries or prompts included) 422, over ``max_body_bytes`` 413.
"""


import asyncio
import collections
import json
import time
from typing import Any

from rewardkit.grading import records_of
from rewardkit.integrations.openrlhf import clean_queries, rewards_of
from rewardkit.pool import BUDGET_REASON, GradingPool, SampleJob, grades_of
from rewardkit.registry import grader_config

DEFAULT_MAX_BODY = 32 * 1024 * 1024
MAX_DEPTH = 32  # JSON nesting a request body may have
SLOW_CLIENT_S = 60.0  # how long a client whose rows timed out is lent at most half the workers
ACTIVE_S = 10.0  # a client that sent a request this recently counts as active
KEEP_ALIVE_S = 75  # trainers reuse connections between steps; closing idle ones sooner races their next POST


class Grading:
    """Worker pools lent to request chunks, fairly between clients; ``grade`` returns one record per
    sample dict."""

    def __init__(self, spec: Any, workers: int, timeout_s: float, chunk: int = 64,
                 request_timeout_s: float | None = None):
        self.config = grader_config(spec)
        self.timeout_s = timeout_s
        self.request_timeout_s = request_timeout_s or max(60.0, 6 * timeout_s)
        self.chunk = chunk
        self.n_workers = workers
        self.slow_cap = max(1, workers // 2)
        self._idle = [GradingPool(self.config, SampleJob(), 1, timeout_s, batch_size=chunk).__enter__()
                      for _ in range(workers)]
        self._all = list(self._idle)
        self._lent: collections.Counter[str] = collections.Counter()
        self._slow_until: dict[str, float] = {}
        self._seen: dict[str, float] = {}
        self._free: asyncio.Condition | None = None

    def _cap(self, client: str) -> int:
        """How many workers ``client`` may hold at once now."""
        now = time.monotonic()
        others = any(c != client and seen > now - ACTIVE_S for c, seen in self._seen.items())
        cap = max(1, self.n_workers - 1) if others else self.n_workers
        return min(cap, self.slow_cap) if self._slow_until.get(client, 0.0) > now else cap

    async def _grade_chunk(self, samples: list[dict], client: str, deadline: float) -> list[dict]:
        free = self._free = self._free or asyncio.Condition()
        async with free:
            try:
                await asyncio.wait_for(free.wait_for(lambda: self._idle and self._lent[client] < self._cap(client)),
                                       max(0.0, deadline - time.monotonic()))
            except (asyncio.TimeoutError, TimeoutError):
                pool = None
            else:
                pool = self._idle.pop()
                self._lent[client] += 1
        if pool is None:  # the budget ran out while waiting for a worker: nothing graded
            return records_of(grades_of(SampleJob().fail(samples, "timeout", BUDGET_REASON)))
        try:
            records = await asyncio.to_thread(lambda: records_of(grades_of(list(pool.run(samples, deadline)))))
        finally:
            async with free:
                self._idle.append(pool)
                self._lent[client] -= 1
                free.notify_all()
        if any(r["error"] == "timeout" for r in records):
            self._slow_until[client] = time.monotonic() + SLOW_CLIENT_S
        return records

    async def grade(self, samples: list[dict], client: str = "") -> list[dict]:
        now = time.monotonic()
        deadline = now + self.request_timeout_s
        if len(self._seen) > 10_000:
            self._seen = {c: t for c, t in self._seen.items() if t > now - ACTIVE_S}
        self._seen[client] = now
        chunks = [samples[i:i + self.chunk] for i in range(0, len(samples), self.chunk)]
        results = await asyncio.gather(*(self._grade_chunk(c, client, deadline) for c in chunks))
        return [record for chunk in results for record in chunk]

    def close(self) -> None:
        for pool in self._all:
            pool.close()


def _depth_over(value: Any, limit: int) -> bool:
    """Whether a parsed JSON value nests deeper than ``limit`` (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def create_app(spec: Any, workers: int = 1, timeout_s: float = 10.0, max_body_bytes: int = DEFAULT_MAX_BODY,
               max_samples: int = 100_000, request_timeout_s: float | None = None, body_timeout_s: float = 30.0):
    """The FastAPI application serving one grader spec."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    grading: dict[str, Grading] = {}

    @asynccontextmanager
    async def lifespan(app):
        grading["g"] = Grading(spec, workers, timeout_s, request_timeout_s=request_timeout_s)
        yield
        grading["g"].close()

    app = FastAPI(title="rewardkit", lifespan=lifespan)

    def problem(status: int, reason: str, close: bool = False) -> JSONResponse:
        return JSONResponse({"error": reason}, status_code=status, headers={"connection": "close"} if close else None)

    def client_of(request: Request) -> str:
        return request.client.host if request.client else ""

    async def read_object(request: Request, expected: str) -> dict | JSONResponse:
        """The JSON object of the body, or a JSONResponse: 413 (too large), 400 (not JSON), 422 (not an object)."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
            return problem(413, f"body of {declared} bytes is over the limit of {max_body_bytes}")
        body = bytearray()

        async def receive() -> bool:
            async for part in request.stream():
                body.extend(part)
                if len(body) > max_body_bytes:
                    return False
            return True

        try:
            if not await asyncio.wait_for(receive(), body_timeout_s):
                return problem(413, f"body is over the limit of {max_body_bytes} bytes")
        except (asyncio.TimeoutError, TimeoutError):
            return problem(408, f"body not received within {body_timeout_s} s", close=True)
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError, the int digit limit
            what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:200]
            return problem(400, f"body is not valid JSON: {what}")
        if not isinstance(payload, dict):
            return problem(422, f"body must be a JSON object with {expected}")
        if _depth_over(payload, MAX_DEPTH):
            return problem(422, f"body nests deeper than {MAX_DEPTH} levels")
        return payload

    def text_list(payload: dict, key: str, required: bool, texts: bool = False) -> list | str:
        """The list under ``key``, or the reason it is not a usable one (``texts``: of strings or nulls)."""
        value = payload.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            return f"'{key}' must be a list"
        if len(value) > max_samples:
            return f"'{key}' has {len(value)} items, more than {max_samples}"
        if texts and not all(v is None or isinstance(v, str) for v in value):
            bad = next(v for v in value if not (v is None or isinstance(v, str)))
            return f"'{key}' must hold strings, not {type(bad).__name__}"
        return value

    async def get_reward(request: Request):
        payload = await read_object(request, "'query' (and 'prompts', 'labels')")
        if isinstance(payload, JSONResponse):
            return payload
        lists = [text_list(payload, "query", required=True, texts=True),
                 text_list(payload, "prompts", required=False, texts=True),
                 text_list(payload, "labels", required=False)]
        for value in lists:
            if isinstance(value, str):  # the reason it is not a usable list
                return problem(422, value)
        try:
            batch = clean_queries(*lists)
        except (ValueError, TypeError) as exc:
            return problem(422, str(exc))
        return rewards_of(batch.merge(await grading["g"].grade(batch.samples, client_of(request))))

    app.post("/get_reward")(get_reward)
    app.post("/")(get_reward)

    @app.post("/grade")
    async def grade(request: Request):
        payload = await read_object(request, "'samples'")
        if isinstance(payload, JSONResponse):
            return payload
        samples = text_list(payload, "samples", required=True)
        if isinstance(samples, str):
            return problem(422, samples)
        if not all(isinstance(s, dict) for s in samples):
            return problem(422, "each sample must be an object with a 'response'")
        records = await grading["g"].grade(samples, client_of(request))
        for r in records:
            r.pop("id", None)
        return {"grades": records}

    @app.get("/health")
    async def health():
        return {"status": "ok", "grader": grading["g"].config.model_dump(mode="json"), "workers": grading["g"].n_workers,
                "timeout_s": timeout_s, "request_timeout_s": grading["g"].request_timeout_s}

    return app


def serve(spec: Any, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, timeout_s: float = 10.0,
          max_body_bytes: int = DEFAULT_MAX_BODY, request_timeout_s: float | None = None,
          body_timeout_s: float = 30.0, max_connections: int = 1024) -> None:
    """Run the server until interrupted (uvicorn, one event loop; grading in worker processes)."""
    from rewardkit.errors import require

    uvicorn = require("uvicorn", "serving")
    app = create_app(spec, workers, timeout_s, max_body_bytes, request_timeout_s=request_timeout_s,
                     body_timeout_s=body_timeout_s)
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_S,
                limit_concurrency=max_connections, timeout_graceful_shutdown=5)
