"""`rewardkit serve` as a real process on a loopback port, driven over HTTP."""

import json
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import write_plugin_distribution

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

SLOW_PLUGIN = '''
import time
from typing import Literal
from rewardkit import Grade, Grader, GraderConfig, hookimpl

class SlowConfig(GraderConfig):
    type: Literal["slow_echo"] = "slow_echo"

class SlowGrader(Grader):
    """Spins on responses that say 'hang', sleeps on 'sleep'; else exact match."""
    Config = SlowConfig
    def grade(self, sample):
        while "hang" in sample.response:
            pass
        if "sleep" in sample.response:
            time.sleep(120)
        return Grade(score=float(sample.response == sample.reference), passed=sample.response == sample.reference)

@hookimpl
def register_graders(register):
    register(SlowGrader)
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = write_plugin_distribution(tmp_path_factory.mktemp("site"), "slow_echo_plugin", SLOW_PLUGIN)
    port = free_port()
    spec = json.dumps({"type": "combine", "graders": {"math": "math", "slow": "slow_echo"}, "method": "max",
                       "pass_threshold": 1.0})
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([root, str(site)]))
    env.pop("REWARDKIT_PLUGINS", None)
    proc = subprocess.Popen([sys.executable, "-m", "rewardkit", "serve", "-g", spec, "--port", str(port),
                             "--workers", "2", "--timeout", "2", "--max-body-bytes", "100000"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("server did not start: " + proc.stderr.read().decode()[-2000:])
    yield url
    proc.terminate()
    proc.wait(10)


def test_health(server):
    body = httpx.get(server + "/health").json()
    assert body["status"] == "ok" and body["grader"]["type"] == "combine" and body["workers"] == 2


def test_openrlhf_protocol(server):
    prompts = ["Q: 1+1? A:", "Q: 2+2? A:", "Q: 3+3? A:"]
    queries = [prompts[0] + r" \boxed{2}", prompts[1] + " 5", prompts[2] + " 6"]
    body = httpx.post(server + "/get_reward", json={"query": queries, "prompts": prompts, "labels": ["2", "4", "6"]},
                      timeout=30).json()
    assert body["rewards"] == [1.0, 0.0, 1.0] and body["scores"] == body["rewards"]
    assert body["extra_logs"]["pass_rate"] == [1.0, 0.0, 1.0]
    root = httpx.post(server + "/", json={"query": queries[:1], "prompts": prompts[:1], "labels": ["2"]}).json()
    assert root["rewards"] == [1.0]


def test_grade_endpoint(server):
    body = httpx.post(server + "/grade", json={"samples": [{"response": r"\boxed{3}", "reference": "3"},
                                                           {"response": "", "reference": "3"}]}, timeout=30).json()
    assert [g["score"] for g in body["grades"]] == [1.0, 0.0]
    assert body["grades"][1]["error"] == "empty_response"


def test_concurrent_requests(server):
    def call(i):
        response = httpx.post(server + "/get_reward", json={"query": [rf"\boxed{{{i}}}"] * 8, "labels": [str(i)] * 8},
                              timeout=60)
        return response.status_code, response.json()["rewards"]

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(call, range(48)))
    assert all(status == 200 and rewards == [1.0] * 8 for status, rewards in results)


@pytest.mark.parametrize(
    "body, status, words",
    [
        (b"{not json", 400, "not valid JSON"),
        (b"[1, 2]", 422, "JSON object"),
        (json.dumps({"query": ["a", "b"], "labels": ["x"]}).encode(), 422, "lengths differ"),
        (json.dumps({"query": "a"}).encode(), 422, "'query' must be a list"),
        (json.dumps({"samples": "x"}).encode(), 422, "'samples' must be a list"),
    ],
)
def test_bad_requests(server, body, status, words):
    path = "/grade" if b"samples" in body else "/get_reward"
    response = httpx.post(server + path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and words in response.json()["error"]


def test_oversized_body_is_413(server):
    big = json.dumps({"query": ["x" * 1000] * 200}).encode()
    response = httpx.post(server + "/get_reward", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_hanging_grade_answers_in_bounded_time(server):
    body = httpx.post(server + "/grade", json={"samples": [{"response": "please hang", "reference": "x"},
                                                           {"response": r"\boxed{1}", "reference": "1"}]},
                      timeout=120).json()
    assert body["grades"][0]["error"] == "timeout" and body["grades"][1]["score"] == 1.0
    assert httpx.get(server + "/health").status_code == 200  # still serving after the worker was replaced


@pytest.mark.parametrize(
    "path, body, status, words",
    [
        ("/get_reward", {"query": [1, 2]}, 422, "'query' must hold strings, not int"),
        ("/get_reward", {"query": ["a"], "prompts": [{"role": "user"}]}, 422, "'prompts' must hold strings, not dict"),
        ("/get_reward", b'{"query": ["a"], "labels": [' + b"9" * 5000 + b"]}", 400, "digits"),
        ("/get_reward", b'{"query": ["a"], "labels": ' + b"[" * 20_000 + b"]" * 20_000 + b"}", 400, "nested"),
        ("/get_reward", b'{"query": ["a"], "labels": ' + b"[" * 40 + b"]" * 40 + b"}",
         422, "nests deeper than 32"),
        ("/grade", {"samples": [{"response": "x", "reference": "[" * 40 + "]" * 40}]}, 200, ""),
        ("/grade", {"samples": [{"response": 5}, {"response": None, "reference": {"a": [1]}}]}, 200,
         "invalid_response,invalid_response"),
        ("/grade", {"samples": [1]}, 422, "each sample must be an object"),
        ("/get_reward", b"\xff\xfe", 400, "not valid JSON"),
    ],
    ids=["int-queries", "dict-prompts", "long-int", "deep-nesting", "nesting-over-32", "brackets-in-text",
         "bad-samples", "non-object-sample", "not-utf8"],
)
def test_malformed_bodies_are_4xx_with_a_reason_never_500(server, path, body, status, words):
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = httpx.post(server + path, content=content, headers={"content-type": "application/json"}, timeout=60)
    assert response.status_code == status, response.text
    if status != 200:
        assert words in response.json()["error"]
    else:  # graded: one grade per sample, a bad sample as an error grade
        grades = response.json()["grades"]
        assert len(grades) == len(json.loads(content)["samples"])
        assert [g["error"] for g in grades if g["error"]] == ([] if not words else words.split(","))


def test_a_body_that_never_arrives_is_408_and_closed(server):
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=120) as sock:
        sock.sendall(b"POST /grade HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                     b"content-length: 100\r\n\r\n{")
        answer = b""
        while chunk := sock.recv(4096):  # the server closes the connection after its answer
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408") and b"not received within" in answer


def test_one_clients_hostile_samples_do_not_hold_every_worker(server):
    """A hostile client (another address) sends two requests of samples that run to the bound on
    both workers; a normal client's request is still graded while both hostile requests run."""
    normal = httpx.Client(timeout=300)
    hostile = httpx.Client(timeout=300, transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    assert normal.post(server + "/grade", json={"samples": [{"response": "1", "reference": "1"}]}).status_code == 200
    spin = {"samples": [{"response": "hang", "reference": "x"}] * 2}
    with ThreadPoolExecutor(2) as pool:
        attacks = [pool.submit(hostile.post, server + "/grade", json=spin) for _ in range(2)]
        time.sleep(0.5)  # let the hostile requests take what they are lent
        answer = normal.post(server + "/grade", json={"samples": [{"response": r"\boxed{7}", "reference": "7"}]})
        still_running = [not a.done() for a in attacks]
        results = [a.result() for a in attacks]
    assert answer.json()["grades"][0]["score"] == 1.0
    assert all(still_running)  # answered while both hostile requests were still running or waiting
    assert all(r.status_code == 200 and {g["error"] for g in r.json()["grades"]} == {"timeout"} for r in results)
