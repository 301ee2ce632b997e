"""The harness's pure parts: the value codec, the split of test code into cases, the filter."""

import json
import struct

import pytest
from rewardkit_codeexec.harness import NotData, decode, encode, seccomp_program, split_tests


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 1 << 80, -(1 << 70), 1.5, float("inf"), "tëxt\ud800", [1, [2]], (1, (2, 3)),
    {"a": 1, 2: (3,), (1, 2): None}, {1, "a"}, frozenset({1}), b"\x00\xff", 2 + 3j, [],
])
def test_plain_data_round_trips_with_its_exact_type(value):
    back = decode(json.dumps(encode(value)))
    assert back == value and type(back) is type(value)


def test_iterators_arrive_as_iterators():
    assert list(decode(json.dumps(encode(x * x for x in range(3))))) == [0, 1, 4]


def test_objects_are_not_data():
    class AlwaysEqual:
        def __eq__(self, other):
            return True

    for value in (AlwaysEqual(), [AlwaysEqual()], True.__class__.__mro__, type("I", (int,), {})(3)):
        with pytest.raises(NotData):
            encode(value)
    handles = []
    assert encode([AlwaysEqual()], handles) == [{"h": 0}] and len(handles) == 1


@pytest.mark.parametrize("text", [
    '{"x": 1}', '{"t": 1}', '{"t": [1], "s": [2]}', '{"d": [[[1], 2]]}', '{"h": 0}', '{"I": "zz"}',
    "[" * 100_000 + "]" * 100_000,
])
def test_malformed_or_foreign_values_are_refused(text):
    with pytest.raises((ValueError, TypeError, RecursionError)):
        decode(text)


def test_split_tests():
    code = '"""doc"""\nimport math\n@staticmethod\ndef helper(): pass\nassert f(1)\nprint(f(2))\ndef check(c): pass\n'
    kinds = [(k, line) for k, line, _ in split_tests(code, "f")]
    assert kinds == [("setup", 1), ("setup", 2), ("setup", 4), ("case", 5), ("case", 6), ("setup", 7), ("check", 0)]
    assert [k for k, *_ in split_tests(code, None)][-1] == "setup"


def test_seccomp_program_is_well_formed():
    program = seccomp_program()
    if program is None:
        pytest.skip("the seccomp filter is built for x86_64 only")
    assert len(program) % 8 == 0 and len(program) // 8 < 4096
    last = struct.unpack("HBBI", program[-8:])
    assert last == (0x06, 0, 0, 0x7FFF0000)  # the default is to allow
