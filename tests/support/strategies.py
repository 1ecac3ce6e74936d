"""Hypothesis strategies shared by the property tests: JSON values, usage reports, secrets."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from claude_meter.core.usage import KNOWN_WINDOWS
from tests.conftest import TEST_OAUTH_TOKEN, TEST_SESSION_KEY

#: Every secret the strategies plant contains this, so one search finds any of them.
SECRET_MARK = "TESTSECRET"
SECRETS = (
    TEST_SESSION_KEY,
    TEST_OAUTH_TOKEN,
    f"sessionKey={TEST_SESSION_KEY}",
    f"Bearer {TEST_OAUTH_TOKEN}",
    f"Cookie: sessionKey={TEST_SESSION_KEY}",
    f"cookie:{SECRET_MARK}",
)
assert all(SECRET_MARK in s for s in SECRETS)

#: Text with what breaks naive code: any Unicode, controls, secrets.
texts = (
    st.text(max_size=30)
    | st.text(st.characters(max_codepoint=0x1F), max_size=5)
    | st.sampled_from(SECRETS)
)
#: Lone surrogates: Python's json writes and reads them (``"\ud800"``); strict parsers do not.
surrogates = st.text(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3
)
#: Text longer than any display needs (a name field should be cut, not shown whole).
long_texts = st.text(min_size=190, max_size=400)
#: Numbers at the edges: huge integers (a float() of them overflows), NaN, infinities, -0.0.
numbers = (
    st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([10**400, -(10**400), 2**1024, 2**63, -(2**63) - 1])
    | st.floats(allow_nan=True, allow_infinity=True)
)
json_scalars = st.none() | st.booleans() | numbers | texts | surrogates
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=30,
)

timestamps = st.none() | st.text(max_size=40) | st.datetimes().map(lambda d: d.isoformat() + "Z")
usage_windows = (
    st.none()
    | json_values
    | st.fixed_dictionaries({"utilization": json_scalars, "resets_at": timestamps})
)
limit_entries = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["session", "weekly_all", "weekly_scoped", "new_kind"])
        | json_scalars
    },
    optional={
        "percent": json_scalars,
        "resets_at": timestamps,
        "scope": st.none()
        | st.fixed_dictionaries({"model": st.fixed_dictionaries({"display_name": json_scalars})})
        | json_values,
    },
)
extra_usage = json_values | st.fixed_dictionaries(
    {},
    optional={
        "is_enabled": json_scalars,
        "monthly_limit": numbers | json_scalars,
        "used_credits": numbers | json_scalars,
        "utilization": numbers | json_scalars,
        "currency": json_scalars,
        "decimal_places": json_scalars,
    },
)
#: ``/usage`` answers: known and unknown window keys, ``limits[]``, ``extra_usage``, junk.
usage_reports = st.dictionaries(
    st.sampled_from([*KNOWN_WINDOWS, "seven_day_new", "tangelo", "spend"]) | st.text(max_size=10),
    usage_windows,
    max_size=8,
).flatmap(
    lambda d: st.fixed_dictionaries(
        {},
        optional={
            "limits": st.lists(limit_entries, max_size=4) | json_values,
            "extra_usage": extra_usage,
        },
    ).map(lambda extra: {**d, **extra})
)


def json_bytes(value: Any) -> bytes:
    """``value`` as the JSON a lenient writer produces (NaN and Infinity literals allowed)."""
    return json.dumps(value).encode()


#: A JSON text spoiled in the ways files and posts get spoiled.
def spoiled(good: bytes) -> st.SearchStrategy[bytes]:
    cut = st.integers(min_value=0, max_value=max(len(good) - 1, 0))
    return st.one_of(
        cut.map(lambda n: good[:n]),  # truncated (a crash mid-write, a dropped connection)
        st.binary(max_size=20).map(lambda junk: good + junk),  # trailing garbage
        st.binary(min_size=1, max_size=20).map(lambda junk: junk + good),  # leading garbage
        st.just(b"\xef\xbb\xbf" + good),  # a UTF-8 byte-order mark
        st.just(good.decode().encode("utf-16")),  # another encoding
        st.tuples(cut, st.integers(0, 255)).map(
            lambda t: good[: t[0]] + bytes([t[1]]) + good[t[0] + 1 :]  # one byte changed
        ),
    )


#: Nesting deeper than any parser's recursion limit, and just under it.
deep_nesting = st.tuples(
    st.sampled_from([("[", "]"), ('{"a":', "}"), ('{"thresholds":', "}")]),
    st.integers(min_value=1, max_value=200_000) | st.integers(min_value=900, max_value=1100),
    st.booleans(),
).map(lambda t: (t[0][0] * t[1] + "1" + (t[0][1] * t[1] if t[2] else "")).encode())
