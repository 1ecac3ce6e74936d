"""A :class:`Secret` shows its value only through :meth:`Secret.reveal`: not in ``repr``,
``str``, f-strings, %-formatting, exceptions, logs or a pickle."""

from __future__ import annotations

import logging
import pickle

import pytest

from claude_meter.core.secret import Secret

VALUE = "sk-ant-sid01-not-a-real-session"


def test_every_text_form_is_masked(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret(VALUE)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").debug("value %s %r", secret, secret)
    texts = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        "%s" % secret,  # noqa: UP031 - the old formatting is what a log call uses
        str(ValueError(secret)),
        repr([secret, {"key": secret}]),
        caplog.text,
    ]
    assert all(VALUE not in text for text in texts)
    assert repr(secret) == "Secret('***')"
    assert str(secret) == f"{secret:>40}" == "***"
    assert secret.reveal() == VALUE


def test_equality_hash_and_truth_follow_the_value() -> None:
    assert Secret(VALUE) == Secret(VALUE)
    assert Secret(VALUE) != Secret(VALUE + "x")
    assert Secret(VALUE) != VALUE  # never equal to the bare text
    assert len({Secret(VALUE), Secret(VALUE)}) == 1
    assert Secret(VALUE)
    assert not Secret("")


def test_a_secret_cannot_be_pickled_or_given_attributes() -> None:
    with pytest.raises(TypeError, match="not picklable"):
        pickle.dumps(Secret(VALUE))
    with pytest.raises(AttributeError):
        Secret(VALUE).extra = 1  # type: ignore[attr-defined]
