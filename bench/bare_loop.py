"""The bare alternative of the burst benchmark: plain asyncio and one httpx.AsyncClient sending
the burst's POSTs to the fake WordPress, at most `--concurrency` in flight (a semaphore).

    .venv/bin/python -m bench.bare_loop --url http://127.0.0.1:PORT --posts 2000 --concurrency 20

Run in a process of its own by bench/burst.py so that its CPU time is only its own. Prints one
JSON object: the burst's start (epoch seconds), each answer's time, each call's duration in
seconds (to compare with Byline's publish calls), its CPU seconds, and the errors (status or exception name → count). Keys are `bare-N`, in the same `<!-- byline:KEY -->`
comment the WordPress connector writes, so the destination counts duplicates the same way.
"""

import argparse
import asyncio
import json
import time
from collections import Counter

import httpx

# About what the connector sends for a short post: title, the article with its byline, the key.
_ARTICLE = (
    '<div class="byline"><a href="http://127.0.0.1/t/boulangerie-corre">Mauricette Raoul</a>,'
    " Community Manager · Boulangerie Corre</div><p>{body}</p><!-- byline:{key} -->"
)


async def burst(url: str, posts: int, sites: int, concurrency: int) -> dict[str, object]:
    limit = asyncio.Semaphore(concurrency)
    answered: list[float] = []
    calls: list[float] = []
    errors: Counter[str] = Counter()
    # The pool must not be the bottleneck: the semaphore alone bounds what is in flight.
    # Beware that httpcore 1.0's pool rescans every connection on each request and release
    # (O(connections²) per request, encode/httpx#3215, encode/httpcore#1035): from about 100
    # connections this loop's CPU per request jumps tenfold and it becomes CPU-bound. Byline
    # shares one httpx.AsyncClient per process too, so it pays the same toll.
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        limits=limits, timeout=httpx.Timeout(30.0, connect=10.0), auth=("bench", "app password")
    ) as http:

        async def send(n: int) -> None:
            key = f"bare-{n}"
            payload = {
                "title": f"Burst post {n}",
                "content": _ARTICLE.format(body=f"Burst post {n}, body.", key=key),
                "status": "publish",
            }
            async with limit:
                sent = time.perf_counter()
                try:
                    response = await http.post(
                        f"{url}/site-{n % sites + 1}/wp-json/wp/v2/posts", json=payload
                    )
                except httpx.HTTPError as error:
                    errors[type(error).__name__] += 1
                    return
                calls.append(time.perf_counter() - sent)
            if response.status_code == 201 and response.json().get("id") is not None:
                answered.append(time.time())
            else:
                errors[f"HTTP {response.status_code}"] += 1

        cpu = time.process_time()
        start = time.time()
        await asyncio.gather(*(send(n) for n in range(posts)))
        cpu = time.process_time() - cpu
    return {
        "start": start,
        "answered": answered,
        "calls": calls,
        "cpu": cpu,
        "errors": dict(errors),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the fake destination, http://127.0.0.1:N")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(burst(args.url, args.posts, args.sites, args.concurrency))))


if __name__ == "__main__":
    main()
