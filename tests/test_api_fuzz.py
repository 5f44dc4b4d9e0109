"""Schemathesis over /api/v1/openapi.json, with an owner's token, on this run's database.

Every operation gets examples that fit its schema and examples that break it. Whatever comes, the
API must not fail on its side (5xx), answer only statuses its OpenAPI names, in the shapes it
names, and refuse what breaks the schema. Not checked: that every example fitting the schema is
accepted, since operations have rules a JSON schema cannot say (a name the policy refuses, a time
in the past).

Bounded: EXAMPLES per operation and mode, derandomised (the same examples every run, so a failure
can be reproduced), about a minute per database on a 2-core machine. The figures are written in
the run's output and, with any failure in full, to `fuzz-figures.txt` in the test's temporary
folder.
"""

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.config import Settings
from app.main import create_app
from tests.conftest import BASE_URL, TEST_DB
from tests.factories import bearer, engaged_writer, setup_org, write_post
from tests.helpers.dns import everything_public

EXAMPLES = 50
# Revoking a token may revoke the very token the run uses: that operation goes last.
LAST = "DELETE /api/v1/tokens/{token_id}"

bounded = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


async def _seed(settings: Settings) -> str:
    """An owner, an engaged CM with a client, a blog channel and a post: ids the examples can hit."""
    # Names resolve to a public address without DNS: the pass stays on this machine.
    app = create_app(settings, dispatcher=False, resolver=everything_public())
    async with app.router.lifespan_context(app):
        state = app.state.byline
        org = await setup_org(state)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            writer = await engaged_writer(state, http, org=org)
            await write_post(http, writer)
    return org.owner_token


@dataclass
class Figures:
    operations: int = 0
    examples: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def summary(self, seconds: float) -> str:
        return (
            f"schemathesis on {TEST_DB}: {self.operations} operations, {self.examples} examples, "
            f"{len(self.failures)} failures, {seconds:.0f} s"
        )


def test_no_operation_fails_or_answers_outside_its_schema(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = asyncio.run(_seed(settings))
    # Names resolve to a public address without DNS: the pass stays on this machine.
    app = create_app(settings, dispatcher=False, resolver=everything_public())
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    figures = Figures()
    started = time.monotonic()
    try:
        operations = sorted(
            (result.ok() for result in schema.get_all_operations()),
            key=lambda operation: operation.label == LAST,
        )
        for operation in operations:
            figures.operations += 1
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @bounded
                @given(case=operation.as_strategy(generation_mode=mode))
                def run(case: Case) -> None:
                    figures.examples += 1
                    case.call_and_validate(
                        headers=bearer(token), excluded_checks=[positive_data_acceptance]
                    )

                try:
                    run()
                except Unsatisfiable:
                    pass  # nothing to break: an operation without parameters or body
                except (Exception, BaseExceptionGroup) as failure:
                    figures.failures[f"{operation.label} ({mode.value})"] = str(failure)
    finally:
        asgi.shutdown_lifespans()
    summary = figures.summary(time.monotonic() - started)
    report = "\n\n".join([summary, *(f"{k}\n{v}" for k, v in figures.failures.items())])
    (tmp_path / "fuzz-figures.txt").write_text(report, encoding="utf-8")
    with capsys.disabled():  # in the run's output even when pytest captures: CI's log keeps it
        print(f"\n{summary}")
    assert not figures.failures, report
    assert figures.operations > 40 and figures.examples > 1000, summary
