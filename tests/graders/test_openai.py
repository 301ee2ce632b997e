"""Hosted-RFT grader specs load as written: templates, every text_similarity metric, model judges, refusals."""

import importlib.util
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from rewardkit import GraderConfigError, Sample, load_grader

OUT = "{{ sample.output_text }}"


def check(operation, reference="{{ item.answer }}", input=OUT):
    return load_grader({"type": "string_check", "name": "c", "input": input, "reference": reference,
                        "operation": operation})


@pytest.mark.parametrize(
    "operation, response, answer, passed",
    [
        ("eq", "Paris", "Paris", True),
        ("eq", "Paris ", "Paris", False),  # exact, no normalisation, as the hosted grader
        ("ne", "Rome", "Paris", True),
        ("ne", "Paris", "Paris", False),
        ("like", "I say Paris", "Paris", True),
        ("like", "I say paris", "Paris", False),
        ("ilike", "I say PARIS", "Paris", True),
    ],
)
def test_string_check(operation, response, answer, passed):
    g = check(operation).grade(Sample(response=response, metadata={"answer": answer}))
    assert g.passed is passed and g.score == float(passed)


def test_item_templates_literals_and_mixed_text():
    assert check("eq").grade(Sample(response="4", reference="4")).passed  # a missing item field: the reference
    assert check("eq", reference="yes").grade(Sample(response="yes")).passed
    mixed = check("eq", reference="{{ item.city }}, {{ item.country.name }}")
    assert mixed.grade(Sample(response="Paris, France", metadata={"city": "Paris", "country": {"name": "France"}})).passed
    wrapped = check("eq", input="answer={{ sample.output_text }}", reference="answer={{ item.answer }}")
    assert wrapped.grade(Sample(response="4", metadata={"answer": "4"})).passed


def test_output_json_input():
    grader = check("eq", input="{{ sample.output_json.answer.value }}")
    ok = grader.grade(Sample(response='{"answer": {"value": "Paris"}}', metadata={"answer": "Paris"}))
    assert ok.passed and ok.score == 1.0
    for bad in ["Paris", '{"answer": {}}', '["Paris"]', "[" * 5000]:
        g = grader.grade(Sample(response=bad, metadata={"answer": "Paris"}))
        assert g.score == 0.0 and g.error == "invalid_response", bad


METRICS = ["fuzzy_match", "bleu", "gleu", "meteor", "rouge_1", "rouge_2", "rouge_3", "rouge_4", "rouge_5", "rouge_l"]
REFERENCE = "the quick brown fox jumps over the lazy dog near the river bank"


def similarity(metric, threshold=None, reference="{{ item.ref }}"):
    spec = {"type": "text_similarity", "name": "t", "input": OUT, "reference": reference, "evaluation_metric": metric}
    if threshold is not None:
        spec["pass_threshold"] = threshold
    return load_grader(spec)


@pytest.mark.parametrize("metric", METRICS)
def test_every_text_similarity_metric(metric):
    grader = similarity(metric)
    same = grader.grade(Sample(response=REFERENCE, metadata={"ref": REFERENCE}))
    close = grader.grade(Sample(response=REFERENCE.replace("lazy", "sleepy"), metadata={"ref": REFERENCE}))
    other = grader.grade(Sample(response="completely unrelated words about cooking pasta", metadata={"ref": REFERENCE}))
    stuffed = grader.grade(Sample(response=" ".join(["the fox dog"] * 40), metadata={"ref": REFERENCE}))
    assert 0.9 <= same.score <= 1.0 and 0.0 <= other.score < 0.4
    assert other.score < close.score < same.score or (close.score < same.score and metric == "rouge_5")
    assert stuffed.score < 0.5  # repeating reference words earns little
    assert not other.passed  # no pass_threshold: only a perfect similarity passes


def test_known_values_and_the_optional_threshold():
    rouge_1 = similarity("rouge_1", threshold=0.8).grade(Sample(response="the cat sat on", metadata={"ref": "the cat sat"}))
    assert rouge_1.score == pytest.approx(6 / 7) and rouge_1.passed
    assert similarity("bleu").grade(Sample(response=REFERENCE, metadata={"ref": REFERENCE})).score == 1.0
    fuzzy = similarity("fuzzy_match", 0.8).grade(Sample(response="the cat sat", metadata={"ref": "the cat sat."}))
    assert fuzzy.passed and 0.9 < fuzzy.score < 1.0
    several = similarity("rouge_l").grade(Sample(response="a b c", reference=["x y", "a b c"]))
    assert several.score == 1.0 and several.passed


def test_alignment_metrics_refuse_huge_inputs():
    huge = " ".join(["word"] * 300_000)
    g = similarity("rouge_l").grade(Sample(response=huge[:250_000], metadata={"ref": huge[:100_000]}))
    assert g.error == "response_too_long" and g.score == 0.0


# ---- a judge endpoint in the test ----------------------------------------------------------------------------


class Judge(BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint: '{"result": 1}' when the user message's ANSWER equals its REFERENCE."""

    requests: list = []
    in_flight = 0
    most_in_flight = 0
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        with cls.lock:
            cls.requests.append((self.path, self.headers.get("Authorization"), body))
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
            count = len(cls.requests)
        time.sleep(0.02)
        status, payload = self._answer(body, count)
        with cls.lock:  # done before answering, so that the client's next request cannot overlap this count
            cls.in_flight -= 1
        self._send(status, payload)

    @staticmethod
    def _answer(body, count):
        model = body["model"]
        if model == "flaky" and count % 2:
            return 503, {"error": "busy"}
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        answer = user.split("ANSWER:")[1].split("REFERENCE:")[0].strip()
        reference = user.split("REFERENCE:")[1].strip()
        if model == "chatty":
            reply = "I think it is fine, probably 1."
        elif model == "labeler":
            reply = json.dumps({"result": "correct" if answer == reference else "wrong"})
        elif model == "wide":
            reply = "7" if answer == reference else "-3"
        else:
            reply = json.dumps({"result": 1 if answer == reference else 0})
        return 200, {"choices": [{"message": {"role": "assistant", "content": reply}}]}

    def _send(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture(scope="module")
def judge_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Judge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


JUDGE_INPUT = [{"role": "system", "content": "Grade the answer."},
               {"role": "user", "content": "ANSWER: {{ sample.output_text }} REFERENCE: {{ item.answer }}"}]


def score_model(url, model="judge", **extra):
    return load_grader({"type": "score_model", "name": "s", "model": model, "input": JUDGE_INPUT,
                        "endpoint": {"base_url": url, **extra.pop("endpoint", {})}, **extra})


def samples(n=6):
    return [Sample(response="Paris" if i % 2 == 0 else "Rome", metadata={"answer": "Paris"}) for i in range(n)]


def test_score_model_through_a_local_endpoint(judge_url, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    Judge.requests.clear()
    grades = score_model(judge_url, sampling_params={"temperature": 0, "max_completions_tokens": 8}).grade_batch(samples())
    assert [g.score for g in grades] == [1.0, 0.0] * 3 and [g.passed for g in grades] == [True, False] * 3
    assert len(Judge.requests) == 6
    for path, auth, body in Judge.requests:
        assert path == "/v1/chat/completions" and auth == "Bearer sk-test"
        assert body["temperature"] == 0 and body["max_tokens"] == 8 and body["model"] == "judge"
    contents = sorted(body["messages"][1]["content"] for _, _, body in Judge.requests)
    assert contents == ["ANSWER: Paris REFERENCE: Paris"] * 3 + ["ANSWER: Rome REFERENCE: Paris"] * 3


def test_score_model_range_threshold_and_parse_errors(judge_url):
    wide = score_model(judge_url, "wide", range=[-5, 10], pass_threshold=5).grade_batch(samples(2))
    assert [g.score for g in wide] == [pytest.approx(12 / 15), pytest.approx(2 / 15)]
    assert [g.passed for g in wide] == [True, False]
    chatty = score_model(judge_url, "chatty").grade(samples(1)[0])  # prose with a number in it is not a verdict
    assert chatty.score == 0.0 and chatty.error == "judge_parse_error"
    out_of_range = score_model(judge_url, "wide").grade(samples(1)[0])  # 7 is outside [0, 1]
    assert out_of_range.error == "judge_parse_error" and out_of_range.score == 0.0


def test_label_model(judge_url):
    grader = load_grader({"type": "label_model", "name": "l", "model": "labeler", "input": JUDGE_INPUT,
                          "labels": ["correct", "wrong"], "passing_labels": ["correct"],
                          "endpoint": {"base_url": judge_url}})
    grades = grader.grade_batch(samples(2))
    assert [g.score for g in grades] == [1.0, 0.0] and grades[0].extracted == "correct"
    with pytest.raises(GraderConfigError, match="are not labels"):
        load_grader({"type": "label_model", "model": "m", "input": JUDGE_INPUT, "labels": ["a"],
                     "passing_labels": ["b"], "endpoint": {"base_url": judge_url}})


def test_retries_concurrency_limit_and_an_unreachable_judge(judge_url):
    flaky = score_model(judge_url, "flaky", endpoint={"max_retries": 3, "max_concurrency": 1}).grade_batch(samples(4))
    assert [g.score for g in flaky] == [1.0, 0.0, 1.0, 0.0]
    Judge.most_in_flight = 0
    score_model(judge_url, endpoint={"max_concurrency": 2}).grade_batch(samples(12))
    assert Judge.most_in_flight <= 2
    down = score_model("http://127.0.0.1:9/v1", endpoint={"max_retries": 1, "request_timeout_s": 2}).grade(samples(1)[0])
    assert down.score is None and down.error == "judge_unavailable"  # skipped, not rewarded


def test_multi_with_a_model_grader(judge_url):
    spec = {"type": "multi", "calculate_output": "0.5 * judged + 0.5 * polite", "graders": {
        "judged": {"type": "score_model", "name": "judged", "model": "judge", "input": JUDGE_INPUT,
                   "endpoint": {"base_url": judge_url}},
        "polite": {"type": "string_check", "name": "polite", "input": OUT, "reference": "Paris", "operation": "like"}}}
    assert load_grader(spec).grade(samples(1)[0]).score == pytest.approx(1.0)


def test_multi_with_calculate_output():
    spec = {"type": "multi", "name": "m", "calculate_output": "0.7 * right + 0.3 * polite",
            "graders": {"right": {"type": "string_check", "name": "right", "input": OUT,
                                  "reference": "{{ item.answer }}", "operation": "ilike"},
                        "polite": {"type": "string_check", "name": "polite", "input": OUT, "reference": "please",
                                   "operation": "like"}}}
    g = load_grader(spec).grade(Sample(response="It is PARIS", metadata={"answer": "paris"}))
    assert g.score == pytest.approx(0.7) and g.parts == {"right": 1.0, "polite": 0.0}


@pytest.mark.parametrize(
    "spec, words",
    [
        ({"type": "string_check", "input": "{{ sample.metadata }}", "reference": "a", "operation": "eq"},
         "is not sample.output_text"),
        ({"type": "string_check", "input": OUT, "reference": "{{ sample.output_text }}", "operation": "eq"},
         "would pass every answer"),
        ({"type": "string_check", "input": OUT, "reference": "{{ item.reasoning }}", "operation": "eq"},
         "model's own reasoning"),
        ({"type": "string_check", "input": OUT, "reference": "a", "operation": "regex"}, "operation"),
        ({"type": "text_similarity", "input": OUT, "reference": "a", "evaluation_metric": "cosine"},
         "needs an embedding model"),
        ({"type": "text_similarity", "input": OUT, "reference": "a", "evaluation_metric": "chrf"}, "is not one of"),
        ({"type": "multi", "calculate_output": "a + b", "graders": {"a": {"type": "string_check", "input": OUT,
                                                                          "reference": "x", "operation": "eq"}}},
         "unknown graders"),
        ({"type": "score_model", "model": "m", "input": JUDGE_INPUT, "range": [1, 1],
          "endpoint": {"base_url": "http://127.0.0.1:9"}}, "low < high"),
    ],
)
def test_what_cannot_be_mapped_is_refused_clearly(spec, words):
    with pytest.raises(GraderConfigError) as err:
        load_grader(spec)
    assert words in str(err.value)


def test_a_model_grader_without_an_endpoint_is_a_config_error(monkeypatch):
    monkeypatch.delenv("REWARDKIT_JUDGE_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(GraderConfigError, match="needs an endpoint"):
        load_grader({"type": "score_model", "model": "m", "input": JUDGE_INPUT})


# ---- python graders, in the code_exec plugin's sandbox ----------------------------------------------------------

CODEEXEC = Path(__file__).resolve().parents[2] / "plugins" / "rewardkit-codeexec"


@pytest.fixture(scope="module")
def sandboxed():
    if importlib.util.find_spec("rewardkit_codeexec") is None:
        sys.path.insert(0, str(CODEEXEC))
    from rewardkit_codeexec import sandbox

    if sandbox.unavailable_reason() is not None:
        pytest.skip(f"no code_exec sandbox here: {sandbox.unavailable_reason()}")


def python_grader(source, **extra):
    return load_grader({"type": "python", "name": "p", "source": source, **extra})


def test_python_grader_runs_in_the_sandbox(sandboxed):
    grader = python_grader("def grade(sample, item):\n"
                           "    return 1.0 if sample['output_text'].strip() == item['answer'] else 0.0\n")
    grades = grader.grade_batch([Sample(response="Paris", metadata={"answer": "Paris"}),
                                 Sample(response="Rome", metadata={"answer": "Paris"})])
    assert [g.score for g in grades] == [1.0, 0.0]
    as_json = python_grader("def grade(sample, item):\n    return float(sample['output_json']['a'] == item['reference'])\n")
    assert as_json.grade(Sample(response='{"a": "x"}', reference="x")).score == 1.0


@pytest.mark.parametrize("source, error", [
    ("def grade(sample, item):\n    while True:\n        pass\n", "timeout"),
    ("def grade(sample, item):\n    return len(open('/etc/hostname').read()) and 1.0\n", "grader_error"),  # no host files
    ("def grade(sample, item):\n    return 2\n", "grader_error"),  # outside [0, 1]
    ("def grade(sample, item):\n    return True\n", "grader_error"),  # not a number
    ("import sys\nsys.exit(0)\n", "grader_error"),  # exiting is not a pass
])
def test_python_grader_failures_score_zero(sandboxed, source, error):
    g = python_grader(source, timeout_s=1).grade(Sample(response="x", reference="x"))
    assert g.score == 0.0 and not g.passed and g.error == error


def test_python_grader_without_the_plugin_is_refused(monkeypatch):
    monkeypatch.setitem(sys.modules, "rewardkit_codeexec", None)
    with pytest.raises(GraderConfigError, match="rewardkit-codeexec"):
        python_grader("def grade(sample, item):\n    return 1.0\n")
