"""Burst benchmark: how fast a burst of posts due at one instant leaves Byline, through its
WordPress connector to a fake WordPress on 127.0.0.1, side by side with a bare asyncio + httpx
loop sending the same requests to the same fake, in the same run.

    .venv/bin/python -m bench.burst                                  (sqlite, 2000 posts, 20)
    .venv/bin/python -m bench.burst --concurrency 20,200 --database postgresql
    .venv/bin/python -m bench.burst --mode create                    (the API's create rate)
    .venv/bin/python -m bench.burst --kind local_blog --posts 1000                (built-in blog)

Byline is driven only through its public surfaces: `byline setup` and `byline tokens create`
(run as `python -m app.cli`), `byline serve` (or `serve --no-dispatcher` + `byline worker` with
--split) as subprocesses configured by BYLINE_* settings, and the REST API over HTTP. Other
BYLINE_* settings in the environment pass through to Byline. PostgreSQL is reached at
BYLINE_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres), where a scratch
database is created and dropped. Everything else lives in a temporary directory, removed at exit.

`burst` prints, per concurrency, Byline's create rate, drain time (scheduled instant → last
published_at), lateness p50/p99 (published_at − scheduled_at), CPU per delivery of the Byline
process(es), duplicates (keys the destination received twice) and lost posts (not published);
then the bare loop's drain, lateness (burst start → each answer) and CPU per request; then ratios.
`create` prints posts/s through POST /api/v1/posts against a bare FastAPI + SQLAlchemy insert
(bench/bare_api.py) into the same database, both with the same concurrent clients.
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.postgres import scratch_database

REPOSITORY = Path(__file__).resolve().parent.parent
OWNER = {"email": "aline@cl-consult.fr", "full_name": "Aline Lamour", "role_title": "Gérante"}
CM = {
    "email": "mauricette@cl-consult.fr",
    "full_name": "Mauricette Raoul",
    "role": "cm",
    "role_title": "Community Manager",
}
# Deliveries that may still go out by themselves; the others are settled (or wait for a person).
MOVING = ("scheduled", "publishing", "retrying", "unknown")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def counts(counter: dict[str, int]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in sorted(counter.items())) or "none"


# Processes ---------------------------------------------------------------------------------------


class Process:
    """A child process whose output goes to a log file in the temporary directory."""

    def __init__(
        self, name: str, command: list[str], *, env: dict[str, str], cwd: Path, log_dir: Path
    ) -> None:
        self.name = name
        self.log = log_dir / f"{name}.log"
        with self.log.open("wb") as out:
            # A session of its own: a Ctrl-C in the terminal reaches only the benchmark, which
            # then stops its children in order (see `stop`).
            self.popen = subprocess.Popen(
                command,
                env=env,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def cpu(self) -> float:
        """User + system seconds this process has used (from /proc, so any process's)."""
        stat = Path(f"/proc/{self.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace").splitlines()
        return "\n".join(f"  [{self.name}] {line}" for line in text[-lines:])

    def complaints(self) -> list[str]:
        """Lines logged at WARNING or above (Byline's text log format), each with the exception
        that ends its traceback, if any, to report them."""
        found: list[str] = []
        for line in self.log.read_text(errors="replace").splitlines():
            if re.search(r" (WARNING|ERROR|CRITICAL) ", line):
                found.append(f"[{self.name}] {line}")
            elif (
                found
                and line
                and not line[0].isspace()
                and not line.startswith(("Traceback", "During handling", "The above exception"))
                and not re.match(r"\d{4}-\d\d-\d\d ", line)
            ):
                found[-1] += f" → {line}"  # a traceback's last line: the exception itself
        return found

    def stop(self, grace: float = 40.0) -> None:
        if not self.alive():
            return
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


@contextlib.contextmanager
def running(process: Process) -> Iterator[Process]:
    try:
        yield process
    except BaseException:
        print(f"{process.name} said, at the end:\n{process.tail()}", file=sys.stderr)
        raise
    finally:
        process.stop()


def free_port() -> int:
    """A port free now. Byline's `serve` takes a number, so it cannot be handed a bound socket;
    the window between this and its bind is short, and a clash fails loudly at readiness."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_ready(url: str, processes: list[Process], within: float = 60.0) -> None:
    give_up = time.monotonic() + within
    async with httpx.AsyncClient() as http:
        while time.monotonic() < give_up:
            for process in processes:
                if not process.alive():
                    raise RuntimeError(f"{process.name} exited with {process.popen.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(url, timeout=2)).status_code == 200:
                    return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer 200 within {within:.0f} s")


def start_destination(latency: float, log_dir: Path) -> tuple[Process, str]:
    process = Process(
        "fake-wordpress",
        [sys.executable, "-m", "bench.fake_destination", "--latency", str(latency)],
        env=dict(os.environ),
        cwd=REPOSITORY,
        log_dir=log_dir,
    )
    give_up = time.monotonic() + 20
    while time.monotonic() < give_up and process.alive():
        found = re.search(r"^port (\d+)$", process.log.read_text(), re.MULTILINE)
        if found:
            return process, f"http://127.0.0.1:{found.group(1)}"
        time.sleep(0.05)
    process.stop()
    raise RuntimeError(f"the fake destination did not start:\n{process.tail()}")


# Databases ---------------------------------------------------------------------------------------


@contextlib.contextmanager
def database(kind: str, directory: Path) -> Iterator[str]:
    """A scratch database: a SQLite file in `directory`, or a PostgreSQL database dropped after.
    Yields the URL in the plain spelling Byline accepts (it picks the async driver itself)."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'byline.db'}"
        return
    with scratch_database("byline_bench") as url:
        yield url


def async_url(url: str) -> str:
    """The same URL with the async driver, for the bare app (Byline does this for itself)."""
    return url.replace("sqlite://", "sqlite+aiosqlite://", 1).replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )


# Byline ------------------------------------------------------------------------------------------


@dataclass
class Byline:
    """One Byline installation under test: its settings, and how to run its commands."""

    args: argparse.Namespace
    database_url: str
    directory: Path
    port: int
    concurrency: int = 20
    processes: list[Process] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            BYLINE_DATABASE_URL=self.database_url,
            BYLINE_VAR_DIR=str(self.directory / "var"),
            BYLINE_SECRET_KEY="bench-secret-key-" + "x" * 32,
            # Workers write links too; with --split they must name the API's address.
            BYLINE_BASE_URL=self.url,
            BYLINE_DISPATCH_CONCURRENCY=str(self.concurrency),
            # The fake WordPress listens on this machine, which channels may not reach otherwise.
            BYLINE_ALLOW_PRIVATE_DESTINATIONS="127.0.0.1",
        )
        if self.args.channel_concurrency:
            env["BYLINE_DISPATCH_CHANNEL_CONCURRENCY"] = str(self.args.channel_concurrency)
        return env

    def command(self, *words: str) -> list[str]:
        return [sys.executable, "-m", "app.cli", *words]

    def cli(self, *words: str) -> str:
        done = subprocess.run(
            self.command(*words),
            env=self.env(),
            cwd=self.args.source,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if done.returncode != 0:
            raise RuntimeError(f"byline {' '.join(words)} failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def start(self) -> list[Process]:
        # `serve` and `worker` each migrate as they start; two of them racing on a fresh
        # PostgreSQL database collide (both create alembic_version), so migrate once first, as
        # the README's "Running the API and workers apart" says to.
        self.cli("migrate")
        port = str(self.port)
        if self.args.split:
            layout = [
                ("byline-serve", self.command("serve", "--port", port, "--no-dispatcher")),
                ("byline-worker", self.command("worker")),
            ]
        else:
            layout = [("byline-serve", self.command("serve", "--port", port))]
        self.processes = [
            Process(name, command, env=self.env(), cwd=self.args.source, log_dir=self.directory)
            for name, command in layout
        ]
        return self.processes

    def cpu(self) -> float:
        return sum(process.cpu() for process in self.processes)


def check(response: httpx.Response, expected: int = 200) -> Any:
    if response.status_code != expected:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path}: HTTP {response.status_code}"
            f" {response.text[:500]}"
        )
    return response.json()


@dataclass
class Scene:
    owner_token: str
    cm_token: str
    client_id: int
    channel_ids: list[int]


async def set_up(
    byline: Byline, destination: str, channels: int, kind: str = "wordpress"
) -> Scene:
    """The README's quickstart, with `channels` WordPress channels on the fake destination (or
    `channels` built-in blogs, kind local_blog)."""
    await asyncio.to_thread(
        byline.cli,
        "setup",
        "--org",
        "CL Consult",
        "--locale",
        "fr",
        "--email",
        OWNER["email"],
        "--full-name",
        OWNER["full_name"],
        "--role-title",
        OWNER["role_title"],
    )
    owner_token = await asyncio.to_thread(byline.cli, "tokens", "create", "--email", OWNER["email"])
    async with httpx.AsyncClient(
        base_url=f"{byline.url}/api/v1",
        headers={"Authorization": f"Bearer {owner_token}"},
        timeout=30,
    ) as owner:
        cm = check(await owner.post("/people", json=CM), 201)
        check(await owner.post(f"/people/{cm['id']}/attest", json={"method": "id_document"}))
        client = check(
            await owner.post(
                "/clients",
                json={"name": "Boulangerie Corre", "timezone": "Europe/Paris", "locale": "fr"},
            ),
            201,
        )
        engagement = check(
            await owner.post(f"/clients/{client['id']}/engagements", json={"person_id": cm["id"]}),
            201,
        )
        channel_ids = []
        for n in range(1, channels + 1):
            channel = check(
                await owner.post(
                    f"/clients/{client['id']}/channels",
                    json={
                        "kind": "wordpress",
                        "name": f"Site {n}",
                        # http:// is accepted for 127.0.0.1 and localhost only (WordPressConfig).
                        "config": {"site_url": f"{destination}/site-{n}"},
                        "credentials": {"username": "bench", "application_password": "abcd efgh"},
                    }
                    if kind == "wordpress"
                    else {"kind": kind, "name": f"Blog {n}", "config": {}, "credentials": {}},
                ),
                201,
            )
            channel_ids.append(channel["id"])
        checks = await asyncio.gather(
            *(owner.post(f"/channels/{channel_id}/check") for channel_id in channel_ids)
        )
        refused = [answer.text for answer in checks if not check(answer).get("ok")]
        if refused:
            raise RuntimeError(f"channel checks failed: {refused[0]}")
    cm_token = await asyncio.to_thread(byline.cli, "tokens", "create", "--email", CM["email"])
    async with httpx.AsyncClient(
        base_url=f"{byline.url}/api/v1", headers={"Authorization": f"Bearer {cm_token}"}
    ) as writer:
        check(await writer.post(f"/engagements/{engagement['id']}/accept"))
    return Scene(owner_token, cm_token, client["id"], channel_ids)


def payloads(
    scene: Scene, posts: int, at: datetime, first: int = 0, by_channel: bool = False
) -> list[dict[str, Any]]:
    """Posts spread over the channels, one channel each, all due at `at`: written one channel
    after another if `by_channel` (as a CM writes a client's week at a time), else in turn."""
    per_channel = -(-posts // len(scene.channel_ids))

    def channel(n: int) -> int:
        n -= first
        return n // per_channel if by_channel else n % len(scene.channel_ids)

    return [
        {
            "client_id": scene.client_id,
            "channel_ids": [scene.channel_ids[channel(n)]],
            "title": f"Burst post {n}",
            "body": f"Burst post {n}: les galettes sont de retour en boutique dès samedi.",
            "scheduled_at": at.isoformat(),
        }
        for n in range(first, first + posts)
    ]


@dataclass
class Created:
    ids: list[int]
    elapsed: float
    errors: Counter[str]
    first_error: str | None = None

    @property
    def rate(self) -> float:
        return len(self.ids) / max(self.elapsed, 1e-9)


async def create(url: str, token: str, bodies: list[dict[str, Any]], clients: int) -> Created:
    """POST every body, `clients` at a time, each client with its own connection."""
    todo = iter(bodies)
    result = Created([], 0.0, Counter())

    async def client() -> None:
        async with httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
            limits=httpx.Limits(max_connections=1),
        ) as http:
            for body in todo:  # a shared iterator: each body is taken once
                try:
                    response = await http.post(url, json=body)
                except httpx.HTTPError as error:
                    result.errors[type(error).__name__] += 1
                    continue
                if response.status_code == 201:
                    result.ids.append(response.json()["id"])
                else:
                    result.errors[f"HTTP {response.status_code}"] += 1
                    result.first_error = result.first_error or response.text[:300]

    started = time.monotonic()
    await asyncio.gather(*(client() for _ in range(clients)))
    result.elapsed = time.monotonic() - started
    return result


async def deliveries_by_status(http: httpx.AsyncClient) -> dict[str, int]:
    """byline_deliveries{status} from GET /metrics: one cheap scrape, the documented watch."""
    text = (await http.get("/metrics")).text
    return {
        found.group(1): int(float(found.group(2)))
        for found in re.finditer(r'^byline_deliveries\{status="(\w+)"\} (\S+)$', text, re.M)
    }


async def dispatch_figures(http: httpx.AsyncClient) -> tuple[int, float, float]:
    """From GET /metrics: claim turns and deliveries claimed (byline_dispatch_claim_batch_size),
    and the mean publish call in seconds (byline_connector_call_duration_seconds)."""
    text = (await http.get("/metrics")).text

    def total(name: str, labels: str = "") -> float:
        pattern = rf"^{name}{labels} (\S+)$"
        return sum(float(value) for value in re.findall(pattern, text, re.M))

    calls = total("byline_connector_call_duration_seconds_count", r'\{[^}]*"publish"[^}]*\}')
    took = total("byline_connector_call_duration_seconds_sum", r'\{[^}]*"publish"[^}]*\}')
    return (
        int(total("byline_dispatch_claim_batch_size_count")),
        total("byline_dispatch_claim_batch_size_sum"),
        took / calls if calls else float("nan"),
    )


async def all_posts(url: str, token: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for offset in itertools.count(0, 200):
            page = check(
                await http.get(f"{url}/api/v1/posts", params={"limit": 200, "offset": offset})
            )
            found += page
            if len(page) < 200:
                return found
    raise AssertionError("unreachable")


def profile(path: Path, process: Process) -> subprocess.Popen[bytes]:
    """py-spy sampling `process` (the dispatching one) until sent SIGINT, its raw collapsed
    stacks written to `path` (one line per stack: frames;… count)."""
    return subprocess.Popen(
        [
            str(Path(sys.executable).with_name("py-spy")),
            "record",
            "--pid",
            str(process.pid),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "-o",
            str(path.resolve()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# Burst mode --------------------------------------------------------------------------------------


def kept_busy(stats: dict[str, Any]) -> float:
    """How many posts the destination was answering at once on average, from the first post's
    arrival to the last one's answer (GET /_bench/stats): with the mean call, what the drain is
    made of."""
    last_answer = max((max(times) for times in stats["received"].values()), default=None)
    if last_answer is None or stats["first_arrival"] is None:
        return float("nan")
    return float(stats["busy_seconds"] / (last_answer - stats["first_arrival"]))


@dataclass
class BurstResult:
    lines: list[str]
    drain: float
    cpu_per: float
    p99: float


async def burst_byline(
    args: argparse.Namespace, byline: Byline, destination: str, fake: httpx.AsyncClient
) -> BurstResult:
    with contextlib.ExitStack() as stack:
        for process in byline.start():
            stack.enter_context(running(process))
        await wait_ready(f"{byline.url}/readyz", byline.processes)
        scene = await set_up(byline, destination, args.channels, args.kind)
        api = f"{byline.url}/api/v1/posts"

        # The posts must all exist before their instant, which therefore depends on how fast
        # this machine creates them: a probe (posts due tomorrow, cancelled at once, so that
        # they never reach the destination) measures it, and warms the server up.
        probe_size = min(100, max(20, args.posts // 20))
        probe = await create(
            api,
            scene.cm_token,
            payloads(scene, probe_size, datetime.now(UTC) + timedelta(days=1), first=args.posts),
            args.clients,
        )
        if probe.errors:
            raise RuntimeError(
                f"the probe's posts failed: {counts(probe.errors)}: {probe.first_error}"
            )
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {scene.cm_token}"}) as cm:
            for post_id in probe.ids:
                check(await cm.post(f"{api}/{post_id}/cancel"))
        lead = 3.0 + 1.3 * args.posts / probe.rate
        at = (datetime.now(UTC) + timedelta(seconds=lead)).replace(microsecond=0)

        bodies = payloads(scene, args.posts, at, by_channel=args.by_channel)
        created = await create(api, scene.cm_token, bodies, args.clients)
        overran = time.time() - at.timestamp()
        await fake.post("/_bench/reset")

        async with httpx.AsyncClient(base_url=byline.url, timeout=30) as watch:
            await asyncio.sleep(max(0.0, at.timestamp() - time.time() - 0.2))
            cpu = byline.cpu()
            profiler = None
            if args.profile:
                stem = f"{args.profile.stem}-{byline.concurrency}"
                profiler = profile(args.profile.with_stem(stem), byline.processes[-1])
            give_up = at.timestamp() + args.max_wait
            while time.time() < give_up:
                # Each look is a scrape of /metrics, whose CPU counts as Byline's: once a second.
                await asyncio.sleep(1.0)
                for process in byline.processes:
                    if not process.alive():
                        raise RuntimeError(
                            f"{process.name} exited with {process.popen.returncode} during the"
                            f" burst:\n{process.tail()}"
                        )
                statuses = await deliveries_by_status(watch)
                if not any(statuses.get(status) for status in MOVING):
                    break
            cpu = byline.cpu() - cpu
            claims = await dispatch_figures(watch)
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(30)
        stats = check(await fake.get("/_bench/stats"))
        received, requests = stats["received"], stats["requests"]
        busy = kept_busy(stats)
        ours = set(created.ids)
        posts = [
            post for post in await all_posts(byline.url, scene.owner_token) if post["id"] in ours
        ]
        complaints = [line for process in byline.processes for line in process.complaints()]
        tails = [process.tail(12) for process in byline.processes]

    published, statuses = [], Counter[str]()
    for post in posts:
        for delivery in post["deliveries"]:
            statuses[delivery["status"]] += 1
            if delivery["status"] == "published" and delivery["published_at"]:
                published.append(
                    datetime.fromisoformat(delivery["published_at"]).timestamp() - at.timestamp()
                )
    lost = {status: n for status, n in statuses.items() if status != "published"}
    lost_count = sum(lost.values()) + args.posts - len(posts)
    if args.kind == "wordpress":
        duplicates = sum(len(times) - 1 for times in received.values())
        seen = (
            f"destination: {sum(map(len, received.values()))} POSTs, {len(received)} distinct"
            f" keys; all requests: {counts(requests)}"
        )
    else:
        # The built-in blog: one article per published delivery, each at its own address.
        urls = [
            delivery["external_url"]
            for post in posts
            for delivery in post["deliveries"]
            if delivery["status"] == "published"
        ]
        duplicates = len(urls) - len(set(urls))
        seen = f"{len(set(urls))} distinct article addresses"
    drain = max(published, default=float("nan"))
    layout = "byline serve --no-dispatcher + byline worker" if args.split else "byline serve"
    lines = [
        f"Byline, BYLINE_DISPATCH_CONCURRENCY={byline.concurrency} ({layout}, {args.database})",
        f"  created       {len(created.ids)} posts in {created.elapsed:.1f} s:"
        f" {created.rate:.1f} posts/s ({args.clients} clients; errors: {counts(created.errors)})",
        f"  published     {statuses['published']} of {args.posts}",
        f"  drain         {drain:.2f} s  (scheduled instant → last published_at)",
        f"  lateness      first {min(published, default=float('nan')):.3f} s"
        f"   p50 {pct(published, 50):.3f} s   p99 {pct(published, 99):.3f} s"
        f"   max {drain:.3f} s  (published_at − scheduled_at)",
        f"  CPU           {1000 * cpu / max(len(published), 1):.2f} ms per delivery"
        f" ({cpu:.2f} s user+sys of the Byline process{'es' if args.split else ''})",
        *(
            [
                f"  kept busy     {busy:.1f} posts at the destination at once on average"
                " (first post → last answer)"
            ]
            if args.kind == "wordpress"
            else []
        ),
        f"  claim turns   {claims[0]} ({claims[1] / max(claims[0], 1):.1f} deliveries each);"
        f" publish calls took {1000 * claims[2]:.0f} ms on average",
        f"  duplicates    {duplicates}  ({seen})",
        f"  lost          {lost_count}  (not published; by status: {counts(lost)})",
    ]
    if created.first_error:
        lines.append(f"  (first create error: {created.first_error})")
    if overran > -1:
        lines.append(f"  (WARNING: creating the burst ended {overran:+.1f} s from its instant)")
    if complaints:
        lines.append(f"  (Byline logged {len(complaints)} warnings/errors; first: {complaints[0]})")
    if lost_count:
        lines += ["  (what Byline logged last:)", *tails]
    return BurstResult(lines, drain, cpu / max(len(published), 1), pct(published, 99))


async def burst_bare(
    args: argparse.Namespace,
    concurrency: int,
    destination: str,
    fake: httpx.AsyncClient,
    log_dir: Path,
) -> BurstResult:
    await fake.post("/_bench/reset")
    process = Process(
        f"bare-loop-{concurrency}",
        [
            sys.executable,
            "-m",
            "bench.bare_loop",
            "--url",
            destination,
            "--posts",
            str(args.posts),
            "--sites",
            str(args.channels),
            "--concurrency",
            str(concurrency),
        ],
        env=dict(os.environ),
        cwd=REPOSITORY,
        log_dir=log_dir,
    )
    with running(process):
        code = await asyncio.to_thread(process.popen.wait, args.max_wait + 60)
    if code != 0:
        raise RuntimeError(f"the bare loop failed:\n{process.tail()}")
    # The log holds its one line of JSON.
    run = json.loads(process.log.read_text().strip().splitlines()[-1])
    stats = check(await fake.get("/_bench/stats"))
    received = stats["received"]
    lateness = [at - run["start"] for at in run["answered"]]
    drain = max(lateness, default=float("nan"))
    answered = len(lateness)
    calls = run["calls"]
    return BurstResult(
        [
            f"bare loop (asyncio + one httpx.AsyncClient, semaphore {concurrency})",
            f"  answered      {answered} of {args.posts} with 201 (errors: {counts(run['errors'])})",
            f"  drain         {drain:.2f} s  (start of burst → last answer)",
            f"  lateness      first {min(lateness, default=float('nan')):.3f} s"
            f"   p50 {pct(lateness, 50):.3f} s   p99 {pct(lateness, 99):.3f} s"
            f"   max {drain:.3f} s  (start of burst → each answer)",
            f"  CPU           {1000 * run['cpu'] / max(answered, 1):.2f} ms per request"
            f" ({run['cpu']:.2f} s of its own process)",
            f"  kept busy     {kept_busy(stats):.1f} posts at the destination at once on average;"
            f" calls took {1000 * sum(calls) / max(len(calls), 1):.0f} ms on average",
            f"  duplicates    {sum(len(times) - 1 for times in received.values())}",
            f"  lost          {args.posts - answered}",
        ],
        drain,
        run["cpu"] / max(answered, 1),
        pct(lateness, 99),
    )


async def run_burst(args: argparse.Namespace, tmp: Path) -> None:
    cap_note = (
        f"BYLINE_DISPATCH_CHANNEL_CONCURRENCY={args.channel_concurrency}"
        if args.channel_concurrency
        else "BYLINE_DISPATCH_CHANNEL_CONCURRENCY unset (Byline's default, 4)"
    )
    where = (
        f"WordPress channels of a fake site ({1000 * args.latency:.0f} ms latency)"
        if args.kind == "wordpress"
        else "built-in blogs (local_blog: no bare loop to compare with)"
    )
    print(
        f"{args.posts} posts due at one instant on {args.channels} {where}; database:"
        f" {args.database}; {cap_note}; written"
        f" {'one channel after another' if args.by_channel else 'in turn over the channels'}",
        flush=True,
    )
    fake_process, destination = start_destination(args.latency, tmp)
    with running(fake_process):
        async with httpx.AsyncClient(base_url=destination, timeout=30) as fake:
            for concurrency in args.concurrency:
                directory = tmp / f"burst-{concurrency}"
                directory.mkdir()
                with database(args.database, directory) as url:
                    byline = Byline(args, url, directory, free_port(), concurrency)
                    ours = await burst_byline(args, byline, destination, fake)
                print("\n".join(ours.lines), flush=True)
                if args.kind != "wordpress":
                    print(flush=True)
                    continue
                theirs = await burst_bare(args, concurrency, destination, fake, directory)
                print("\n".join(theirs.lines))
                print(
                    f"ratios at concurrency {concurrency}\n"
                    f"  drain Byline / bare          {ours.drain / theirs.drain:.2f}x\n"
                    f"  CPU Byline / bare            {ours.cpu_per / theirs.cpu_per:.1f}x\n"
                    f"  lateness p99 Byline − bare   {ours.p99 - theirs.p99:+.3f} s\n",
                    flush=True,
                )


# Create mode -------------------------------------------------------------------------------------

WARM_UP = 20


async def run_create(args: argparse.Namespace, tmp: Path) -> None:
    print(
        f"{args.posts} posts created through the API, {args.clients} clients at once, on"
        f" {args.channels} WordPress channels; database: {args.database}",
        flush=True,
    )
    # The posts are due tomorrow: the dispatcher (running, as by default) has nothing to do. The
    # destination only answers the channels' checks at set-up.
    fake_process, destination = start_destination(args.latency, tmp)
    with running(fake_process), database(args.database, tmp) as url:
        byline = Byline(args, url, tmp, free_port())
        at = datetime.now(UTC) + timedelta(days=1)
        with contextlib.ExitStack() as stack:
            for process in byline.start():
                stack.enter_context(running(process))
            await wait_ready(f"{byline.url}/readyz", byline.processes)
            scene = await set_up(byline, destination, args.channels)
            api = f"{byline.url}/api/v1/posts"
            # First requests pay for lazy imports and cold caches: not what is measured.
            await create(
                api, scene.cm_token, payloads(scene, WARM_UP, at, args.posts), args.clients
            )
            cpu = byline.cpu()
            profiler = profile(args.profile, byline.processes[0]) if args.profile else None
            ours = await create(api, scene.cm_token, payloads(scene, args.posts, at), args.clients)
            ours_cpu = byline.cpu() - cpu
            if profiler is not None:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(30)
            complaints = [line for process in byline.processes for line in process.complaints()]
        bodies = payloads(scene, args.posts, at)

        port = free_port()
        bare = Process(
            "bare-api",
            [
                sys.executable,
                "-m",
                "bench.bare_api",
                "--database-url",
                async_url(url),
                "--port",
                str(port),
            ],
            env=dict(os.environ),
            cwd=REPOSITORY,
            log_dir=tmp,
        )
        with running(bare):
            await wait_ready(f"http://127.0.0.1:{port}/healthz", [bare])
            from bench.bare_api import TOKEN

            bare_api = f"http://127.0.0.1:{port}/posts"
            await create(bare_api, TOKEN, payloads(scene, WARM_UP, at, args.posts), args.clients)
            cpu = bare.cpu()
            theirs = await create(bare_api, TOKEN, bodies, args.clients)
            theirs_cpu = bare.cpu() - cpu

    def block(name: str, created: Created, cpu: float) -> list[str]:
        lines = [
            name,
            f"  created       {len(created.ids)} of {args.posts} in {created.elapsed:.2f} s:"
            f" {created.rate:.1f} posts/s (errors: {counts(created.errors)})",
            f"  CPU           {1000 * cpu / max(len(created.ids), 1):.2f} ms per post"
            f" (server process, user+sys)",
        ]
        if created.first_error:
            lines.append(f"  (first error: {created.first_error})")
        return lines

    layout = "byline serve --no-dispatcher" if args.split else "byline serve"
    print(
        "\n".join(block(f"Byline POST /api/v1/posts ({layout}, {args.database})", ours, ours_cpu))
    )
    if complaints:
        print(f"  (Byline logged {len(complaints)} warnings/errors; first: {complaints[0]})")
    print(
        "\n".join(block("bare FastAPI + SQLAlchemy insert (bench/bare_api.py)", theirs, theirs_cpu))
    )
    print(
        f"ratios\n"
        f"  create rate Byline / bare    {ours.rate / theirs.rate:.2f}x\n"
        f"  CPU per post Byline / bare   "
        f"{(ours_cpu / max(len(ours.ids), 1)) / (theirs_cpu / max(len(theirs.ids), 1)):.1f}x"
    )


# Entry point -------------------------------------------------------------------------------------


def concurrency_list(values: list[str] | None) -> list[int]:
    """--concurrency 20,200 or --concurrency 20 --concurrency 200."""
    found = [int(part) for value in values or ["20"] for part in value.split(",") if part.strip()]
    if not found or min(found) < 1:
        raise argparse.ArgumentTypeError("--concurrency takes positive numbers")
    return found


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="byline-burst-") as tmp:
        if args.mode == "burst":
            await run_burst(args, Path(tmp))
        else:
            await run_create(args, Path(tmp))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["burst", "create"], default="burst")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument(
        "--channels",
        type=int,
        help="channels the posts are spread over (default 20; 1 with --kind local_blog, as a"
        " client has one built-in blog)",
    )
    parser.add_argument(
        "--kind",
        choices=["wordpress", "local_blog"],
        default="wordpress",
        help="burst: the channels' kind (local_blog: the built-in blog, Byline's own database)",
    )
    parser.add_argument("--latency", type=float, default=0.2, help="the fake's seconds per call")
    parser.add_argument(
        "--concurrency",
        action="append",
        metavar="N[,N…]",
        help="BYLINE_DISPATCH_CONCURRENCY and the bare loop's semaphore; a list"
        " or repeated (default 20)",
    )
    parser.add_argument(
        "--channel-concurrency",
        type=int,
        help="BYLINE_DISPATCH_CHANNEL_CONCURRENCY (default: Byline's own)",
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent API clients creating")
    parser.add_argument(
        "--by-channel",
        action="store_true",
        help="burst: write the posts one channel after another (neighbouring ids per channel)"
        " instead of in turn",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="run `serve --no-dispatcher` + `worker` instead of `serve`",
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        default=120.0,
        help="seconds after the instant before giving up on the drain",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="sample Byline with py-spy (pip install py-spy), its collapsed stacks written to"
        " FILE: burst, the dispatching process during the burst (FILE-<concurrency>.<suffix>);"
        " create, the API process while it creates the posts",
    )
    parser.add_argument(
        "--source",
        type=Path,
        default=REPOSITORY,
        help="the Byline checkout whose `app` runs (default: this one)",
    )
    args = parser.parse_args()
    args.concurrency = concurrency_list(args.concurrency)
    blogs = args.kind == "local_blog" and args.mode == "burst"  # create mode: WordPress only
    if args.channels is None:
        args.channels = 1 if blogs else 20
    elif blogs and args.channels != 1:
        parser.error("a client has one built-in blog: --kind local_blog takes --channels 1")

    # SIGTERM unwinds like Ctrl-C, so that every process started is stopped and the scratch
    # database and temporary directory are removed.
    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
