"""The claude.ai cookies of one browser session, kept out of every text form.

The page ``claude.ai/settings/usage`` sends *all* claude.ai cookies, and since mid-2026
sending only ``sessionKey`` draws more Cloudflare challenges, so the whole set travels
together. A person may paste either a whole ``Cookie`` header or a bare ``sessionKey`` value;
no prefix check is made (``sk-ant-sid01-`` became ``sid02`` once already).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final, final

from claude_meter.core.secret import Secret

SESSION_COOKIE: Final = "sessionKey"
ORG_HINT_COOKIE: Final = "lastActiveOrg"
COOKIE_ENV: Final = "CLAUDE_METER_COOKIE"

# RFC 6265 cookie-octets, plus space and comma which browsers accept in values. Matched
# with fullmatch: ``$`` would let a trailing newline through (``"abc\n"`` quoted in a paste).
_VALUE_OK: Final = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e ,]*")
_NAME_OK: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _sendable(name: str, value: str) -> bool:
    """Whether a cookie can travel in a ``Cookie`` header as it is (no control characters)."""
    return bool(_NAME_OK.fullmatch(name) and _VALUE_OK.fullmatch(value))


class InvalidCookie(ValueError):
    """The pasted text cannot be a claude.ai session. The message never echoes the value."""


@final
class SessionCookies:
    """An immutable set of claude.ai cookies that holds a ``sessionKey``."""

    __slots__ = ("_cookies",)

    def __init__(self, cookies: Mapping[str, str]) -> None:
        if not cookies.get(SESSION_COOKIE, "").strip():
            raise InvalidCookie("no sessionKey cookie was given")
        for name, value in cookies.items():
            if not _sendable(name, value):
                raise InvalidCookie(
                    f"the cookie {name if _NAME_OK.fullmatch(name) else '(unnamed)'} holds "
                    "characters that cannot be sent in a Cookie header"
                )
        self._cookies = dict(cookies)

    @classmethod
    def parse(cls, text: str) -> SessionCookies:
        """From a whole ``Cookie`` header (``a=b; sessionKey=...``) or a bare sessionKey value."""
        text = text.strip()
        if text.lower().startswith("cookie:"):
            text = text[len("cookie:") :].strip()
        if not text:
            raise InvalidCookie("the session is empty")
        if "=" not in text:
            if ";" in text or any(c.isspace() for c in text):
                raise InvalidCookie("a bare sessionKey value has no spaces or semicolons")
            return cls({SESSION_COOKIE: text})
        cookies: dict[str, str] = {}
        for part in text.split(";"):
            name, sep, value = part.strip().partition("=")
            if not sep or not name.strip():
                if part.strip():
                    raise InvalidCookie("a Cookie header is a list of name=value pairs")
                continue
            cookies[name.strip()] = value.strip().strip('"')
        return cls(cookies)

    @classmethod
    def from_browser(cls, pairs: Iterable[tuple[str, str]]) -> SessionCookies:
        """From a browser's claude.ai cookies; ones that cannot go in a header are left out.

        Browsers keep cookies we do not need (analytics, odd encodings); one of them must not
        make the whole session unusable. :class:`InvalidCookie` when no usable sessionKey.
        """
        cookies = {name: value for name, value in pairs if _sendable(name, value)}
        return cls(cookies)

    @property
    def session_key(self) -> Secret:
        return Secret(self._cookies[SESSION_COOKIE])

    @property
    def org_hint(self) -> str | None:
        """The ``lastActiveOrg`` uuid: a hint of which org to list first, not the full list."""
        hint = self._cookies.get(ORG_HINT_COOKIE, "").strip()
        return hint or None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._cookies)

    def header(self) -> Secret:
        """The ``Cookie`` header value, wrapped: only the HTTP layer reveals it."""
        return Secret("; ".join(f"{k}={v}" for k, v in self._cookies.items()))

    def updated(self, pairs: Iterable[tuple[str, str]]) -> SessionCookies:
        """A copy with cookies the server set (rotation); empty values are ignored."""
        cookies = dict(self._cookies)
        for name, value in pairs:
            if value and _sendable(name, value):
                cookies[name] = value
        return SessionCookies(cookies)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SessionCookies) and other._cookies == self._cookies

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._cookies.items())))

    def __repr__(self) -> str:
        return f"SessionCookies(names={list(self._cookies)!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("SessionCookies are not picklable")


def cookies_from_env(env: Mapping[str, str]) -> SessionCookies | None:
    """The session from ``CLAUDE_METER_COOKIE``, if set; :class:`InvalidCookie` if unusable."""
    text = env.get(COOKIE_ENV, "")
    return SessionCookies.parse(text) if text.strip() else None
