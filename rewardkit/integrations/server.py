"""``rewardkit serve``: graders over HTTP, speaking OpenRLHF's remote reward protocol.

Endpoints:

* ``POST /get_reward`` (and ``POST /``): OpenRLHF's protocol. Body ``{"query": [...], "prompts":
  [...], "labels": [...]}``; answer ``{"rewards": [...], "scores": [...], "extra_logs": {...}}``.
  The response is what the model wrote: the query cleaned by the one ``ResponseCleaner`` (prompt and
  special tokens removed; a query whose prompt cannot be found scores 0 with ``prompt_not_found``).
* ``POST /grade``: ``{"samples": [{"response": ..., "reference": ..., "prompt": ...}, ...]}``;
  answer ``{"grades": [{"score", "passed", "reason", "error", "extracted", "parts"}, ...]}``.
* ``GET /health``: ``{"status": "ok", "grader": {...}, "workers": N}``.

Grading runs in worker processes (one ``ScoringPool`` per worker, lent to one request chunk at a
time), each row under the hard time bound, so a request always answers in bounded time. A body
that is not JSON is a 400 with the reason, wrong shapes a 422, a body over ``max_body_bytes`` a 413.
"""


import asyncio
import json
import queue
from typing import Any

from rewardkit.integrations.openrlhf import clean_queries, rewards_of
from rewardkit.scoring.fields import FieldMapping
from rewardkit.scoring.pool import ScoringPool
from rewardkit.scoring.run import spec_dict

DEFAULT_MAX_BODY = 32 * 1024 * 1024


class Grading:
    """Worker pools lent to request chunks; ``grade`` returns one record per sample dict."""

    def __init__(self, spec: Any, workers: int, timeout_s: float, chunk: int = 64):
        self.spec = spec_dict(spec)
        self.timeout_s = timeout_s
        self.chunk = chunk
        self.n_workers = workers
        self.pools: queue.Queue[ScoringPool] = queue.Queue()
        for _ in range(workers):
            self.pools.put(ScoringPool(self.spec, FieldMapping(id=None), 1, timeout_s, batch_size=chunk).__enter__())

    def _grade_chunk(self, samples: list[dict]) -> list[dict]:
        pool = self.pools.get()
        try:
            return [json.loads(line) for _, line, _ in pool.run((None, s) for s in samples)]
        finally:
            self.pools.put(pool)

    async def grade(self, samples: list[dict]) -> list[dict]:
        chunks = [samples[i:i + self.chunk] for i in range(0, len(samples), self.chunk)]
        results = await asyncio.gather(*(asyncio.to_thread(self._grade_chunk, c) for c in chunks))
        return [record for chunk in results for record in chunk]

    def close(self) -> None:
        while not self.pools.empty():
            self.pools.get().close()


def create_app(spec: Any, workers: int = 1, timeout_s: float = 10.0, max_body_bytes: int = DEFAULT_MAX_BODY,
               max_samples: int = 100_000):
    """The FastAPI application serving one grader spec."""
    from contextlib import asynccontextmanager

    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

    grading: dict[str, Grading] = {}

    @asynccontextmanager
    async def lifespan(app):
        grading["g"] = Grading(spec, workers, timeout_s)
        yield
        grading["g"].close()

    app = FastAPI(title="rewardkit", lifespan=lifespan)

    def problem(status: int, reason: str) -> JSONResponse:
        return JSONResponse({"error": reason}, status_code=status)

    async def read_object(request: Request, expected: str) -> dict | JSONResponse:
        """The JSON object of the body, or a JSONResponse: 413 (too large), 400 (not JSON), 422 (not an object)."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_body_bytes:
            return problem(413, f"body of {declared} bytes is over the limit of {max_body_bytes}")
        body = bytearray()
        async for part in request.stream():
            body += part
            if len(body) > max_body_bytes:
                return problem(413, f"body is over the limit of {max_body_bytes} bytes")
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return problem(400, f"body is not valid JSON: {exc}")
        if not isinstance(payload, dict):
            return problem(422, f"body must be a JSON object with {expected}")
        return payload

    def text_list(payload: dict, key: str, required: bool) -> list | str:
        value = payload.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, list):
            return f"'{key}' must be a list"
        if len(value) > max_samples:
            return f"'{key}' has {len(value)} items, more than {max_samples}"
        return value

    async def get_reward(request: Request):
        payload = await read_object(request, "'query' (and 'prompts', 'labels')")
        if isinstance(payload, JSONResponse):
            return payload
        lists = [text_list(payload, "query", required=True), text_list(payload, "prompts", required=False),
                 text_list(payload, "labels", required=False)]
        for value in lists:
            if isinstance(value, str):  # the reason it is not a usable list
                return problem(422, value)
        try:
            batch = clean_queries(*lists)
        except ValueError as exc:
            return problem(422, str(exc))
        return rewards_of(batch.merge(await grading["g"].grade(batch.samples)))

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
        records = await grading["g"].grade(samples)
        for r in records:
            r.pop("id", None)
        return {"grades": records}

    @app.get("/health")
    async def health():
        return {"status": "ok", "grader": grading["g"].spec, "workers": grading["g"].n_workers,
                "timeout_s": timeout_s}

    return app


def serve(spec: Any, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, timeout_s: float = 10.0,
          max_body_bytes: int = DEFAULT_MAX_BODY) -> None:
    """Run the server until interrupted (uvicorn, one event loop; grading in worker processes)."""
    import uvicorn

    # A long keep-alive: trainers reuse connections between steps; closing idle ones races with their next POST.
    uvicorn.run(create_app(spec, workers, timeout_s, max_body_bytes), host=host, port=port, log_level="warning",
                timeout_keep_alive=75)
