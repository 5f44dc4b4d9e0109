"""Login throttling, per account and per client address, with the `limits` library.

Only failures count. Once an account or an address has used up one of its limits, every sign-in
for it waits, the right password included, until the oldest failure leaves the window; the limits
grow with the window (10 a minute, 20 an hour, 50 a day for an account by default), so a patient
attacker is slowed ever more. Unknown e-mail addresses are counted exactly like known ones: the
answers do not tell them apart.

A sign-in looks at the counts, checks the password, then counts its failure: `turn` makes the
sign-ins of one account, and of one address, take that path one at a time in this process, so
that attempts sent all at once cannot all pass the look before any failure is counted. An IPv6
client is counted by its /64, the block one subscriber gets."""

import asyncio
import hashlib
import ipaddress
import math
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from babel.dates import format_timedelta
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from app.kit.email import stored_form


class LoginThrottle:
    def __init__(self, storage_uri: str, account_limits: str, address_limits: str) -> None:
        storage = storage_from_string(storage_uri)
        if not isinstance(storage, Storage):
            raise ValueError(f"{storage_uri!r} is not an async storage: use async+memory:// …")
        self._limiter = MovingWindowRateLimiter(storage)
        self._account: list[RateLimitItem] = parse_many(account_limits)
        self._address: list[RateLimitItem] = parse_many(address_limits)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @staticmethod
    def _names(email: str, address: str | None) -> tuple[str, str | None]:
        # Hashed: a shared storage (Redis) then holds no e-mail addresses.
        account = "login-account:" + hashlib.sha256(stored_form(email).encode()).hexdigest()
        if not address:
            return account, None
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return account, "login-address:" + address
        if isinstance(parsed, ipaddress.IPv6Address):
            if parsed.ipv4_mapped is not None:
                return account, f"login-address:{parsed.ipv4_mapped}"
            return account, f"login-address:{ipaddress.IPv6Network((parsed, 64), strict=False)}"
        return account, f"login-address:{parsed}"

    def _keys(self, email: str, address: str | None) -> list[tuple[RateLimitItem, str]]:
        account, place = self._names(email, address)
        keys = [(item, account) for item in self._account]
        if place:
            keys += [(item, place) for item in self._address]
        return keys

    @asynccontextmanager
    async def turn(self, email: str, address: str | None) -> AsyncIterator[None]:
        """One sign-in at a time for this address, then for this account (always in that order,
        so two sign-ins never wait for each other's lock)."""
        account, place = self._names(email, address)
        async with AsyncExitStack() as stack:
            for name in (place, account):
                if name is None:
                    continue
                lock = self._locks.get(name)
                if lock is None:
                    lock = self._locks[name] = asyncio.Lock()
                await stack.enter_async_context(lock)
            yield

    async def wait(self, email: str, address: str | None) -> float:
        """0 when this sign-in may be tried now; else seconds to wait."""
        longest = 0.0
        for item, key in self._keys(email, address):
            if not await self._limiter.test(item, key):
                stats = await self._limiter.get_window_stats(item, key)
                longest = max(longest, stats.reset_time - time.time(), 1.0)
        return longest

    async def failed(self, email: str, address: str | None) -> bool:
        """Count a failure; True when it used up a limit (sign-ins now wait)."""
        locked = False
        for item, key in self._keys(email, address):
            await self._limiter.hit(item, key)
            locked = locked or not await self._limiter.test(item, key)
        return locked

    async def succeeded(self, email: str) -> None:
        """The account's failures are forgotten; its address's are not."""
        for item, key in self._keys(email, None):
            await self._limiter.clear(item, key)


def wait_words(seconds: float) -> dict[str, str]:
    """“3 minutes” / « 3 minutes », rounded up: what the refusal tells a person."""
    unit = 3600 if seconds > 90 * 60 else 60 if seconds > 90 else 1
    span = timedelta(seconds=math.ceil(seconds / unit) * unit)
    return {
        locale: format_timedelta(span, threshold=1.5, format="long", locale=locale)
        for locale in ("en", "fr")
    }
