"""The `byline` command."""

import argparse
import asyncio
import gc
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from pydantic import ValidationError

from app import schema
from app.config import Settings, base_url_mismatch, listening_url
from app.db import unit_of_work
from app.errors import AppError
from app.kit import logs
from app.state import AppState

T = TypeVar("T")
log = logging.getLogger("byline")
# Commands whose progress is their output; the others print only their result on stdout and log
# warnings alone (on stderr), so that `T=$(byline tokens create …)` captures just the token.
_TALKATIVE = {"serve", "worker", "migrate"}


def _with_state(settings: Settings, work: Callable[[AppState], Awaitable[T]]) -> T:
    from app.main import build_state, close_state

    async def run() -> T:
        state = build_state(settings)
        try:
            return await work(state)
        finally:
            await close_state(state)

    with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
        return runner.run(run())


def _freeze_startup_heap() -> None:
    """Keep what a long-running command has loaded by now (the modules, the app: about 180,000
    objects, there for the life of the process) out of the garbage collector's full passes,
    each of which otherwise looks through all of it again: 100-130 ms of CPU, in the middle of
    a burst. The garbage made while starting is collected first."""
    gc.collect()
    gc.freeze()


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (every platform but Windows), as uvicorn picks
    it for `byline serve`: the dispatcher spends about a quarter less CPU per delivery in it
    than in asyncio's own. None: asyncio's."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def cmd_migrate(settings: Settings, _args: argparse.Namespace) -> int:
    schema.upgrade(settings.resolved_database_url)
    print("database is up to date")
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    mismatch = base_url_mismatch(settings.base_url, args.host, args.port)
    if settings.base_url_configured and mismatch:
        log.warning(mismatch)
    if not settings.base_url_configured and args.host in ("0.0.0.0", "::"):  # noqa: S104
        log.warning(
            "Byline listens on every interface, but the links it writes will name this machine "
            "as %s: set BYLINE_BASE_URL to the address others reach it at.",
            listening_url(args.host, args.port),
        )
    settings = settings.served_at(args.host, args.port)
    schema.upgrade(settings.resolved_database_url)
    app = create_app(settings, dispatcher=not args.no_dispatcher)
    log.info(
        "Byline is running at http://%s:%d/ (API docs: /docs); links it writes start with %s",
        args.host,
        args.port,
        settings.base_url,
    )
    _freeze_startup_heap()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    return 0


def cmd_worker(settings: Settings, _args: argparse.Namespace) -> int:
    from app.dispatch.worker import run_worker

    if not settings.base_url_configured:
        log.warning(
            "BYLINE_BASE_URL is not set: the links this worker publishes (blog, signatures) will "
            "name %s. Set it to the address the API is reached at.",
            settings.base_url,
        )

    schema.upgrade(settings.resolved_database_url)
    _freeze_startup_heap()
    _with_state(settings, run_worker)
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n") or None
    if sys.stdin.isatty():
        first = getpass.getpass("Password for the web app (empty: none): ")
        if first and getpass.getpass("Again: ") != first:
            raise SystemExit("the passwords differ")
        return first or None
    return None


def cmd_setup(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_password(args)
    schema.upgrade(settings.resolved_database_url)
    from app.people import setup

    async def work(state: AppState) -> str:
        async with unit_of_work(state.session_factory) as session:
            result = await setup.setup_organisation(
                session,
                organisation_name=args.org,
                email=args.email,
                full_name=args.full_name,
                short_name=args.short_name,
                role_title=args.role_title,
                password=password,
                locale=args.locale,
                now=state.clock(),
            )
            return f"organisation “{result.organisation.name}” (id {result.organisation.id}) created; owner {result.owner.full_name} <{result.owner.email}> (id {result.owner.id}), name attested by setup"

    print(_with_state(settings, work))
    return 0


def cmd_tokens_create(settings: Settings, args: argparse.Namespace) -> int:
    schema.upgrade(settings.resolved_database_url)
    from app.accounts import service as accounts

    async def work(state: AppState) -> str:
        async with unit_of_work(state.session_factory) as session:
            return await accounts.create_token_for_email(
                session, args.email, args.name, now=state.clock()
            )

    print(_with_state(settings, work))
    return 0


def cmd_demo(settings: Settings, _args: argparse.Namespace) -> int:
    schema.upgrade(settings.resolved_database_url)
    from app.demo import create_demo

    async def work(state: AppState) -> list[str]:
        return await create_demo(state, due_in=timedelta(minutes=1))

    for line in _with_state(settings, work):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="byline", description="Byline: nobody speaks for a brand anonymously."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="API + web + dispatcher in one process")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-dispatcher", action="store_true", help="serve only; run `byline worker` apart"
    )
    serve.set_defaults(handler=cmd_serve)

    commands.add_parser("worker", help="the dispatcher only").set_defaults(handler=cmd_worker)
    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        handler=cmd_migrate
    )

    setup = commands.add_parser("setup", help="create an organisation and its first owner")
    setup.add_argument("--org", required=True, help="organisation name")
    setup.add_argument("--email", required=True)
    setup.add_argument(
        "--full-name", required=True, help="the owner's real name, as it signs posts"
    )
    setup.add_argument("--short-name")
    setup.add_argument("--role-title")
    setup.add_argument("--locale", choices=["en", "fr"], default="en")
    setup.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    setup.set_defaults(handler=cmd_setup)

    tokens = commands.add_parser("tokens", help="API tokens").add_subparsers(
        dest="tokens_command", required=True
    )
    create = tokens.add_parser("create", help="print a new API token (shown once)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", default="cli")
    create.set_defaults(handler=cmd_tokens_create)

    commands.add_parser(
        "demo", help="sample organisation, CM, client, blog channel and a post due in one minute"
    ).set_defaults(handler=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        for problem in error.errors():
            name = "BYLINE_" + "_".join(str(part) for part in problem["loc"]).upper()
            print(f"error: {name}: {problem['msg']}", file=sys.stderr)
        return 2
    level = settings.log_level if args.command in _TALKATIVE else logging.WARNING
    logs.configure(log_format=settings.log_format, level=level)
    try:
        code: int = args.handler(settings, args)
    except AppError as error:
        print(f"error ({error.code}): {error.message('en')}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
