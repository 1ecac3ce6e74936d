"""Several accounts: what needs the person's attention, for the line at the top of the popover.

With eight accounts the popover's sections scroll, and a problem in one scrolled out of view
was told only by the icon and its tooltip. The popover's top line names, in a few words,
each account that needs attention while its place is out of view ("Work: session expired ·
Extra7: 96% of session"); a click on a name scrolls to it. What counts invents no rule of
its own:

- an account's problem: exactly what its section says in red (:func:`account_problem`, one
  account's banner: its sign-in refused, a failed reading, numbers out of date), here in
  the words of its kind (:data:`PROBLEM_WORDS`);
- else its worst window (the icon's rule, ``core/worst.py``, over the windows the popover
  shows) when it is in the icon's red grade (95 % and up, ``core/grades.py``): at or over
  its limit. An account with a problem is named for the problem only: its numbers are the
  last ones read, dimmed, and the icon leaves a signed-out account's numbers out too.

One entry per account, the most pressing first (:func:`attention`): a refused sign-in (the
person must act, and nothing else will show that account's numbers again), a window at
its limit (the fullest first), a failed reading, then numbers only out of date; ties in the
sections' order. Which of them the line names is decided by where the popover is scrolled
(the Qt side says which places are in view) and by how much fits on one line
(:func:`attention_line`, given a measure of text, as the clock is given elsewhere).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Final, Literal

import msgspec

from claude_meter.core.account_view import AccountState, account_problem
from claude_meter.core.errors import SIGN_IN_KINDS
from claude_meter.core.grades import GRADES, grade_for
from claude_meter.core.models import FetchError, UsageWindow
from claude_meter.core.presentation import percent_label, without_windows
from claude_meter.core.worst import worst_of

#: A problem's kind, in a few words (the section below says the whole message).
PROBLEM_WORDS: Final[dict[str, str]] = {
    "session_expired": "session expired",
    "not_signed_in": "not signed in",
    "cloudflare": "browser check",
    "rate_limited": "rate limited",
    "server": "claude.ai failed",
    "network": "no connection",
    "unexpected": "answer not understood",
}
STALE_WORDS: Final = "numbers out of date"
FAILED_WORDS: Final = "reading failed"  # a kind this table does not know (never so far)

#: The icon's red grade: a window here is at (or over) its limit.
AT_LIMIT: Final = GRADES[-1]

#: The short names of the windows whose label is long (``Weekly · all models``).
SHORT_LABELS: Final[dict[str, str]] = {"five_hour": "session", "seven_day": "weekly"}

#: Between the line's entries.
SEPARATOR: Final = " · "

Reason = Literal["sign_in", "limit", "failed", "stale"]
_ORDER: Final[dict[Reason, int]] = {"sign_in": 0, "limit": 1, "failed": 2, "stale": 3}


class Attention(msgspec.Struct, frozen=True):
    """One account that needs attention: which (its reading key and name), why, in words.

    ``window`` and ``org`` name the window at its limit (``reason == "limit"``), so the
    popover can scroll to its row; None for a problem, which its section says under its name.
    """

    account: str | None
    name: str
    reason: Reason
    words: str
    percent: float | None = None
    window: str | None = None
    org: str | None = None

    @property
    def text(self) -> str:
        """``Work: session expired``."""
        return f"{self.name}: {self.words}"


def short_label(window: UsageWindow) -> str:
    """A window's name in a few words: ``session``, ``weekly``, ``weekly Sonnet`` (no
    ``·``, which separates the line's accounts)."""
    if window.key in SHORT_LABELS:
        return SHORT_LABELS[window.key]
    head, sep, tail = window.label.partition(" · ")
    if head == "Weekly" and sep:
        head = "weekly"
    return f"{head} {tail.replace(SEPARATOR, ' ')}" if sep else head


def _first_error(account: AccountState) -> FetchError | None:
    state = account.state
    return state.error or next((s.error for s in state.snapshots if s.error), None)


def account_attention(
    account: AccountState,
    now: datetime,
    interval: timedelta,
    *,
    hidden: Collection[str] = frozenset(),
    show_remaining: bool = False,
) -> Attention | None:
    """What needs attention in one account (see the module's docstring), or None."""
    if account_problem(account, now, interval) is not None:
        error = _first_error(account)
        if error is None:
            return Attention(account.key, account.name, "stale", STALE_WORDS)
        reason: Reason = "sign_in" if error.kind in SIGN_IN_KINDS else "failed"
        words = PROBLEM_WORDS.get(error.kind, FAILED_WORDS)
        return Attention(account.key, account.name, reason, words)
    worst = worst_of(without_windows(account.state, hidden).snapshots)
    if worst is None or grade_for(worst[1].percent) is not AT_LIMIT:
        return None
    snapshot, window = worst
    figure = percent_label(window.percent, show_remaining=show_remaining)
    return Attention(
        account.key,
        account.name,
        "limit",
        f"{figure} of {short_label(window)}",
        percent=window.percent,
        window=window.key,
        org=snapshot.org_uuid,
    )


def attention(
    accounts: Sequence[AccountState],
    now: datetime,
    interval: timedelta,
    *,
    hidden: Collection[str] = frozenset(),
    show_remaining: bool = False,
) -> tuple[Attention, ...]:
    """Every account that needs attention, the most pressing first (see the module's
    docstring); empty when all is well."""
    found = [
        (index, one)
        for index, account in enumerate(accounts)
        if (
            one := account_attention(
                account, now, interval, hidden=hidden, show_remaining=show_remaining
            )
        )
        is not None
    ]
    found.sort(key=lambda pair: (_ORDER[pair[1].reason], -(pair[1].percent or 0.0), pair[0]))
    return tuple(one for _, one in found)


class AttentionLine(msgspec.Struct, frozen=True):
    """The popover's top line: the accounts it names, and those left to "+2 more"."""

    named: tuple[Attention, ...]
    more: tuple[Attention, ...] = ()

    @property
    def more_text(self) -> str:
        return f"+{len(self.more)} more" if self.more else ""

    @property
    def text(self) -> str:
        """``Work: session expired · Extra7: 96% of session · +2 more``."""
        return SEPARATOR.join([*(one.text for one in self.named), *filter(None, [self.more_text])])

    @property
    def whole(self) -> str:
        """Every entry, one a line: the line's tooltip and its accessible description."""
        return "\n".join(one.text for one in (*self.named, *self.more))


def out_of_view(
    items: Sequence[Attention], in_view: Callable[[Attention], bool]
) -> tuple[Attention, ...]:
    """The entries whose place in the popover is not wholly in view, in their order."""
    return tuple(one for one in items if not in_view(one))


def attention_line(items: Sequence[Attention], fits: Callable[[str], bool]) -> AttentionLine | None:
    """The line naming as many of ``items`` as ``fits`` one line, in order, the rest counted
    ("+2 more"); always the first, even when it alone does not fit (the line then wraps,
    never cuts a word). None when there is nothing to say."""
    if not items:
        return None
    for count in range(len(items), 1, -1):
        line = AttentionLine(tuple(items[:count]), tuple(items[count:]))
        if fits(line.text):
            return line
    return AttentionLine(tuple(items[:1]), tuple(items[1:]))
