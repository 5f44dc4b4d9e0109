"""The WordPress connector against a real WordPress (Debian's package, PHP's built-in server,
the local MariaDB: tests/helpers/wordpress.py): a post goes out under its signer's WordPress
user, its title's markup shows as text on the real page, it is edited in place and trashed; the
check reads the real roles and capabilities, and the real refusal of a wrong password."""

import html
import ipaddress
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx
import pytest
from pydantic import SecretStr

from connectors.base import Author, ChannelContext, HostServices, ReauthRequired
from connectors.destinations import DestinationPolicy, GuardedTransport
from connectors.wordpress import (
    AuthorNotMapped,
    WordPressConfig,
    WordPressConnector,
    WordPressCredentials,
)
from tests.connectors.fakes import html_text
from tests.connectors.helpers import SIGNATURE, outgoing
from tests.helpers.needs import missing
from tests.helpers.wordpress import RealWordPress, absent, real_wordpress

pytestmark = pytest.mark.wordpress

ACCOUNTS = [
    {
        "login": "agency",
        "email": "web@cl-consult.fr",
        "display_name": "agency",
        "role": "administrator",
    },
    {
        "login": "mraoul",
        "email": "mauricette@cl-consult.fr",
        "display_name": "Mauricette Raoul",
        "role": "author",
    },
    {
        "login": "cpetit",
        "email": "claire@cl-consult.fr",
        "display_name": "Claire Petit",
        "role": "contributor",
    },
]
TITLE = '<script>alert(1)</script> <img src=x onerror=alert(1)> Tom &amp; Jerry\'s "fête"'
MAURICETTE = Author(person_id=12, full_name="Mauricette Raoul", email="mauricette@cl-consult.fr")
# WordPress's typography (wptexturize) curls quotes on pages: the text, not markup.
_CURLED = str.maketrans({"“": '"', "”": '"', "’": "'", "‘": "'", "″": '"', "′": "'"})


@pytest.fixture(scope="module")
def site() -> Iterator[RealWordPress]:
    reason = absent()
    if reason is not None:
        missing("wordpress", reason)
    with real_wordpress(ACCOUNTS) as running:
        yield running


@pytest.fixture
async def connector() -> AsyncIterator[WordPressConnector]:
    # As Byline connects with BYLINE_ALLOW_PRIVATE_DESTINATIONS=127.0.0.1.
    policy = DestinationPolicy([ipaddress.ip_network("127.0.0.1/32")])
    async with httpx.AsyncClient(
        transport=GuardedTransport(policy), trust_env=False, timeout=30
    ) as http:
        yield WordPressConnector(HostServices(http, "https://byline.example"))


def channel(
    site: RealWordPress, login: str, password: str | None = None, **config: object
) -> ChannelContext:
    return ChannelContext(
        channel_id=8,
        name="Blog WordPress",
        config=WordPressConfig.model_validate({"site_url": site.url, **config}),
        credentials=WordPressCredentials(
            username=login,
            application_password=SecretStr(password or site.accounts[login].application_password),
        ),
        authors=(MAURICETTE,),
    )


async def read_page(url: str) -> tuple[str, str]:
    """(the heading's text, the author WordPress names) of a post's public page."""
    async with httpx.AsyncClient(trust_env=False, follow_redirects=True) as http:
        page = (await http.get(url)).text
    (heading,) = re.findall(r'<h1 class="entry-title">(.*?)</h1>', page, flags=re.S)
    (author,) = re.findall(r'<span class="byline">By <a [^>]*rel="author">(.*?)</a>', page)
    return html_text(heading).translate(_CURLED), html.unescape(author)


async def test_published_edited_and_trashed_under_the_signers_own_name(
    site: RealWordPress, connector: WordPressConnector
) -> None:
    agency = channel(site, "agency")
    post = outgoing(WordPressConnector, title=TITLE, idempotency_key="byline-real-1")
    published = await connector.deliver(agency, post)
    assert published.external_url
    heading, author = await read_page(published.external_url)
    assert heading == TITLE.translate(_CURLED)
    assert author == "Mauricette Raoul"  # not "agency": found by her e-mail

    edited = outgoing(
        WordPressConnector,
        title="Les galettes <b>sont là</b>",
        body="Nouveau texte.",
        idempotency_key="byline-real-1",
    )
    updated = await connector.update(agency, published.external_id, edited)
    assert updated.external_id == published.external_id
    assert updated.external_url
    heading, author = await read_page(updated.external_url)
    assert (heading, author) == ("Les galettes <b>sont là</b>", "Mauricette Raoul")
    found = await connector.lookup(agency, published.external_id)
    assert found is not None and found.external_id == published.external_id

    await connector.remove(agency, published.external_id)
    assert await connector.lookup(agency, published.external_id) is None
    await connector.remove(agency, published.external_id)  # already in the trash: done


async def test_the_account_of_the_signer_publishes_as_herself(
    site: RealWordPress, connector: WordPressConnector
) -> None:
    own = channel(site, "mraoul")
    published = await connector.deliver(
        own, outgoing(WordPressConnector, idempotency_key="byline-real-2")
    )
    assert published.external_url
    _, author = await read_page(published.external_url)
    assert author == "Mauricette Raoul"
    found = await connector.reconcile(
        own, outgoing(WordPressConnector, idempotency_key="byline-real-2")
    )
    assert found is not None and found.external_id == published.external_id


async def test_an_author_wordpress_does_not_know_is_held_not_published_as_agency(
    site: RealWordPress, connector: WordPressConnector
) -> None:
    post = outgoing(WordPressConnector, idempotency_key="byline-real-3")
    post = replace(post, signature=replace(SIGNATURE, email="jean@cl-consult.fr"))
    with pytest.raises(AuthorNotMapped, match="WordPress would show “agency”"):
        await connector.deliver(channel(site, "agency"), post)
    assert await connector.reconcile(channel(site, "agency"), post) is None


async def test_an_author_account_may_not_sign_for_someone_else(
    site: RealWordPress, connector: WordPressConnector
) -> None:
    mapped = channel(site, "mraoul", author_ids={12: site.accounts["agency"].id})
    with pytest.raises(AuthorNotMapped, match="edit_others_posts"):
        await connector.deliver(
            mapped, outgoing(WordPressConnector, idempotency_key="byline-real-4")
        )


async def test_the_check_reads_the_real_roles(
    site: RealWordPress, connector: WordPressConnector
) -> None:
    admin = await connector.check(channel(site, "agency"))
    assert admin.ok, admin.detail
    assert admin.detail.splitlines() == [
        "signed in as agency (administrator)",
        "Mauricette Raoul: WordPress shows “Mauricette Raoul” (found by e-mail)",
    ]
    contributor = await connector.check(channel(site, "cpetit"))
    assert not contributor.ok
    assert contributor.detail.splitlines()[:2] == [
        "signed in as Claire Petit (contributor)",
        "Claire Petit cannot publish posts (WordPress's publish_posts capability): give it the "
        "Author role or higher in WordPress, or reconnect the channel with such an account",
    ]


async def test_a_wrong_password_names_the_credentials_first(
    site: RealWordPress, connector: WordPressConnector
) -> None:
    with pytest.raises(ReauthRequired) as raised:
        await connector.check(channel(site, "agency", password="wrongwrongwrongwrongwron"))
    message = raised.value.message
    assert "the username or the application password is wrong" in message
    assert message.index("application password is wrong") < message.index("Authorization header")
