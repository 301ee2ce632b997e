"""An LLM judge over an OpenAI-compatible chat endpoint: bounded, retried, with a concurrency limit.

Used by the hosted-RFT ``score_model`` and ``label_model`` graders. The endpoint is
``POST {base_url}/chat/completions``; the base URL comes from the spec (``base_url``) or the
environment (``REWARDKIT_JUDGE_BASE_URL``, then ``OPENAI_BASE_URL``), the API key from the
environment variable the spec names (``OPENAI_API_KEY`` by default), never from the spec itself.
Each request has a time bound; connection errors, 429 and 5xx answers are retried with
exponential backoff up to ``max_retries`` times; at most ``max_concurrency`` requests are in flight
per grader. A judge that cannot be reached gives ``score=None`` (skip the sample), not a reward.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rewardkit.errors import GraderConfigError, require

RETRY_STATUS = {408, 409, 429, 500, 502, 503, 504}
_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*$")


class JudgeUnavailable(Exception):
    """The endpoint did not answer usefully within the retries (the reason is the message)."""


class EndpointConfig(BaseModel):
    """Where and how to call the judge; the rewardkit-only fields of a model grader spec."""

    model_config = ConfigDict(extra="forbid")

    base_url: str | None = Field(
        default=None, description="OpenAI-compatible base URL (…/v1); default: REWARDKIT_JUDGE_BASE_URL, OPENAI_BASE_URL.")
    api_key_env: str = Field(default="OPENAI_API_KEY", description="Environment variable holding the API key.")
    max_concurrency: int = Field(default=8, ge=1, le=256, description="Requests in flight at once, per grader.")
    max_retries: int = Field(default=3, ge=0, le=10, description="Retries after a connection error, 429 or 5xx.")
    request_timeout_s: float = Field(default=60.0, gt=0, le=600, description="Time bound of one request.")


class ChatJudge:
    """Sends chat requests to one endpoint; thread-safe; the client is built on first use."""

    def __init__(self, endpoint: EndpointConfig, model: str, sampling: dict[str, Any]):
        base_url = endpoint.base_url or os.environ.get("REWARDKIT_JUDGE_BASE_URL") or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise GraderConfigError("a model grader needs an endpoint: set base_url, REWARDKIT_JUDGE_BASE_URL "
                                    "or OPENAI_BASE_URL", field="base_url")
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.endpoint = endpoint
        self.model = model
        self.sampling = sampling
        self.slots = threading.BoundedSemaphore(endpoint.max_concurrency)
        self._client = None
        self._lock = threading.Lock()

    def _http(self):
        with self._lock:
            if self._client is None:
                httpx = require("httpx", "model graders (score_model, label_model)")
                key = os.environ.get(self.endpoint.api_key_env)
                headers = {"Authorization": f"Bearer {key}"} if key else {}
                self._client = httpx.Client(timeout=self.endpoint.request_timeout_s, headers=headers)
            return self._client

    def reply(self, messages: list[dict[str, str]]) -> str:
        """The judge's reply text; JudgeUnavailable after the retries."""
        import httpx

        client = self._http()
        body = {"model": self.model, "messages": messages, **self.sampling}
        why = ""
        for attempt in range(self.endpoint.max_retries + 1):
            if attempt:
                time.sleep(min(0.25 * 2 ** (attempt - 1), 8.0))
            try:
                with self.slots:
                    answer = client.post(self.url, json=body)
            except httpx.HTTPError as exc:
                why = f"{type(exc).__name__}: {exc}"
                continue
            if answer.status_code in RETRY_STATUS:
                why = f"HTTP {answer.status_code}"
                continue
            if answer.status_code != 200:
                raise JudgeUnavailable(f"HTTP {answer.status_code}: {answer.text[:200]}")
            try:
                content = answer.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise JudgeUnavailable(f"not a chat completion: {exc}") from exc
            if not isinstance(content, str):
                raise JudgeUnavailable("the reply has no text content")
            return content
        raise JudgeUnavailable(f"no answer after {self.endpoint.max_retries + 1} attempts ({why})")

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.update(_client=None, _lock=None, slots=None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(self.endpoint.max_concurrency)


def reply_result(text: str) -> Any:
    """The judge's verdict: ``result`` of a JSON object reply (fenced or not), or the bare reply."""
    stripped = text.strip()
    if stripped.startswith("```"):
        stripped = stripped.strip("`").removeprefix("json").strip()
    try:
        value = json.loads(stripped)
    except ValueError:
        return stripped
    if isinstance(value, dict):
        return value.get("result", value.get("score", value.get("label")))
    return value


def reply_number(text: str) -> float | None:
    """A number verdict, or None when the reply is anything else."""
    value = reply_result(text)
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and (m := _NUMBER.match(value)):
        return float(m.group(1))
    return None
