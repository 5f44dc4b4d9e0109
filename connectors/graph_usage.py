"""How much of its Graph API allowance a Facebook Page has left, read from Meta's usage headers.

Facts from Meta's rate-limiting guide (developers.facebook.com/docs/graph-api/overview/
rate-limiting): requests made with a Page access token are under Business Use Case (BUC) limits;
most answers carry, once enough calls were made, JSON headers whose numbers are percentages of the
allowance used:
* ``X-App-Usage`` and ``X-Page-Usage``: ``{"call_count", "total_cputime", "total_time"}``
  (``X-Page-Usage`` may add ``estimated_time_to_regain_access``);
* ``X-Business-Use-Case-Usage``: ``{"<object id>": [{"type", "call_count", "total_cputime",
  "total_time", "estimated_time_to_regain_access"}, ...]}``.
``estimated_time_to_regain_access`` is in minutes; once a percentage reaches 100, calls fail
until the rolling window lets usage fall back. Throttled calls fail with codes 4 (application),
17 (user), 32 (Page), 341, 613, and 80000-80014 (one per business use case: 80001 is Pages).

So a Page whose usage passes `SLOW_DOWN_AT` gets no further call for a while (`Throttle.wait`),
instead of being driven into the wall where Meta's penalty is measured in hours.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

USAGE_HEADERS = ("x-app-usage", "x-page-usage", "x-business-use-case-usage")
_PERCENT_FIELDS = ("call_count", "total_cputime", "total_time")
SLOW_DOWN_AT = 90.0
"""Percent of an allowance past which a Page's calls wait."""
PAUSE_NEAR_LIMIT = 300.0
"""Seconds a Page waits past `SLOW_DOWN_AT` when Meta gives no estimate: a rolling window
needs a few minutes to fall back."""
PAUSE_AT_LIMIT = 900.0
"""Seconds a Page waits at 100 % when Meta gives no estimate."""


def _entries(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """Every usage object the answer's headers carry (unreadable headers are skipped: Meta's
    numbers are advice, never a reason to fail a call that succeeded)."""
    for name in USAGE_HEADERS:
        raw = response.headers.get(name)
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(value, dict):
            continue
        if name == "x-business-use-case-usage":
            for per_object in value.values():
                if isinstance(per_object, list):
                    yield from (entry for entry in per_object if isinstance(entry, dict))
        else:
            yield value


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def pause_for(response: httpx.Response) -> float:
    """Seconds the Page that made this call should wait before its next one (0: none)."""
    worst = 0.0
    regain_minutes = 0.0
    for entry in _entries(response):
        worst = max([worst, *(_number(entry.get(key)) for key in _PERCENT_FIELDS)])
        regain_minutes = max(regain_minutes, _number(entry.get("estimated_time_to_regain_access")))
    if regain_minutes > 0:
        return regain_minutes * 60.0
    if worst >= 100.0:
        return PAUSE_AT_LIMIT
    if worst >= SLOW_DOWN_AT:
        return PAUSE_NEAR_LIMIT
    return 0.0


class Throttle:
    """Per Page, until when its calls wait. One per connector instance (one per process):
    each worker slows down on what its own calls were told."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._until: dict[str, float] = {}

    def observe(self, page_id: str, response: httpx.Response, *, at_least: float = 0.0) -> float:
        """Note what `response` says of the Page's usage; returns the pause it set (seconds)."""
        pause = max(pause_for(response), at_least)
        if pause > 0:
            until = self._clock() + pause
            self._until[page_id] = max(self._until.get(page_id, 0.0), until)
        return pause

    def wait(self, page_id: str) -> float:
        """Seconds the Page must still wait before its next call (0: it may call now)."""
        until = self._until.get(page_id)
        if until is None:
            return 0.0
        left = until - self._clock()
        if left <= 0:
            del self._until[page_id]
            return 0.0
        return left
