"""The Ghost connector against the documented Admin API: the signed token, the request shape,
one explicit author, the marker that finds a post again, the check, and editing, deleting and
looking up a published post. The contract suite covers the generic failures."""

import json
from dataclasses import replace

import httpx
import jwt
import pytest
from pydantic import SecretStr, ValidationError

from connectors.base import (
    Author,
    ChannelContext,
    OutgoingPost,
    PermanentError,
    ReauthRequired,
    TransientError,
)
from connectors.ghost import ACCEPT_VERSION, GhostConfig, GhostConnector, GhostCredentials
from tests.connectors.fake_ghost import (
    GHOST_KEY_ID,
    GHOST_SECRET,
    GHOST_SITE,
    MAURICETTE_EMAIL,
    MAURICETTE_ID,
    OWNER_ID,
    FakeGhost,
    ghost_context,
)
from tests.connectors.helpers import connected, outgoing

MAURICETTE = Author(person_id=12, full_name="Mauricette Raoul", email=MAURICETTE_EMAIL)


def _signed_by(
    post: OutgoingPost, *, person_id: int = 12, email: str | None = None
) -> OutgoingPost:
    return replace(post, signature=replace(post.signature, person_id=person_id, email=email))


def _mauricettes(body: str | None = None) -> OutgoingPost:
    post = outgoing(GhostConnector, body=body) if body else outgoing(GhostConnector)
    return _signed_by(post, email=MAURICETTE_EMAIL)


def _strict(**config: object) -> ChannelContext:
    """A channel that does not accept Ghost's default author."""
    return ghost_context(accept_default_author=False, **config)


async def test_publish_sends_the_signed_html_under_the_signers_own_ghost_user() -> None:
    site = FakeGhost()
    post = _mauricettes()
    async with connected(GhostConnector, site) as (connector, recorder):
        result = await connector.deliver(_strict(), post)

    lookup, create = recorder.requests
    assert lookup.method == "GET"
    assert lookup.url.path == f"/ghost/api/admin/users/email/{MAURICETTE_EMAIL}/"
    assert create.method == "POST"
    assert str(create.url) == f"{GHOST_SITE}/ghost/api/admin/posts/?source=html"
    assert create.headers["accept-version"] == ACCEPT_VERSION
    scheme, token = create.headers["authorization"].split(" ")
    assert scheme == "Ghost"
    assert jwt.get_unverified_header(token)["kid"] == GHOST_KEY_ID
    claims = jwt.decode(
        token, bytes.fromhex(GHOST_SECRET), algorithms=["HS256"], audience="/admin/"
    )
    assert 0 < claims["exp"] - claims["iat"] <= 300
    (sent,) = json.loads(create.content)["posts"]
    assert sent["title"] == "Les galettes sont là"
    assert sent["status"] == "published"
    assert sent["authors"] == [{"id": MAURICETTE_ID}]
    assert sent["codeinjection_foot"] == "<!-- byline:byline-delivery-42 -->"
    assert post.signature_html is not None
    assert (
        f"<!--kg-card-begin: html-->{post.signature_html}<!--kg-card-end: html-->" in (sent["html"])
    )
    assert sent["html"].endswith(
        '<p><a href="https://boulangerie-corre.fr/galettes">'
        "https://boulangerie-corre.fr/galettes</a></p>"
    )
    # Ghost shows Mauricette as the author, not its owner.
    assert [author["id"] for author in site.posts[0]["authors"]] == [MAURICETTE_ID]
    assert result.external_id == site.posts[0]["id"]
    assert result.external_url == f"{GHOST_SITE}/article-1/"


async def test_the_title_goes_as_plain_text() -> None:
    site = FakeGhost()
    title = 'Galettes <script>alert("x")</script> & cie'
    async with connected(GhostConnector, site) as (connector, _):
        await connector.deliver(ghost_context(), outgoing(GhostConnector, title=title))
    assert site.posts[0]["title"] == title


async def test_a_hand_set_mapping_names_the_ghost_user_by_id_or_email() -> None:
    site = FakeGhost()
    post = _signed_by(outgoing(GhostConnector), person_id=12)
    async with connected(GhostConnector, site) as (connector, recorder):
        await connector.deliver(_strict(authors={12: MAURICETTE_ID}), post)
        await connector.deliver(_strict(authors={"12": MAURICETTE_EMAIL}), post)
    assert recorder.requests[0].url.path == f"/ghost/api/admin/users/{MAURICETTE_ID}/"
    assert [post["authors"][0]["id"] for post in site.posts] == [MAURICETTE_ID, MAURICETTE_ID]


async def test_a_mapping_to_a_user_the_site_does_not_have_holds_the_post() -> None:
    site = FakeGhost()
    post = _signed_by(outgoing(GhostConnector), person_id=12)
    async with connected(GhostConnector, site) as (connector, _):
        with pytest.raises(ReauthRequired, match="the site has no such user"):
            await connector.deliver(_strict(authors={12: "ancienne@cl-consult.fr"}), post)
    assert site.published == []


async def test_without_a_ghost_user_the_post_is_held_with_how_to_fix_it() -> None:
    site = FakeGhost()
    post = _signed_by(outgoing(GhostConnector), person_id=12, email="nouvelle@cl-consult.fr")
    async with connected(GhostConnector, site) as (connector, _):
        with pytest.raises(ReauthRequired) as raised:
            await connector.deliver(_strict(), post)
    assert "Ghost would show its owner as the author" in raised.value.message
    assert "person id 12" in raised.value.message
    assert "accept_default_author" in raised.value.message
    assert site.published == []


async def test_an_accepted_default_author_publishes_under_the_owner_knowingly() -> None:
    site = FakeGhost()
    post = _signed_by(outgoing(GhostConnector), person_id=12, email="nouvelle@cl-consult.fr")
    async with connected(GhostConnector, site) as (connector, _):
        await connector.deliver(ghost_context(accept_default_author=True), post)
    (sent,) = site.posts
    assert [author["id"] for author in sent["authors"]] == [OWNER_ID]


@pytest.mark.parametrize(
    ("key", "says"),
    [
        (f"{'a' * 24}:{GHOST_SECRET}", "does not know this Admin API key"),
        (f"{GHOST_KEY_ID}:{'0' * 64}", "the secret part of the key is wrong"),
    ],
)
async def test_a_wrong_key_is_refused_as_ghost_refuses_it_and_named(key: str, says: str) -> None:
    site = FakeGhost()
    channel = replace(ghost_context(), credentials=GhostCredentials(admin_api_key=SecretStr(key)))
    async with connected(GhostConnector, site) as (connector, _):
        with pytest.raises(ReauthRequired, match=says):
            await connector.deliver(channel, outgoing(GhostConnector))
        with pytest.raises(ReauthRequired, match=says):
            await connector.check(channel)
    assert site.published == []


def test_a_content_api_key_is_refused_when_the_channel_is_written() -> None:
    with pytest.raises(ValidationError, match="Content API key"):
        GhostCredentials.model_validate({"admin_api_key": "22444f78447824223cefc48062"})


@pytest.mark.parametrize(
    "config",
    [
        {"site_url": "http://blog.example.com"},
        {"site_url": "https://blog.example.com/?x=1"},
        {"site_url": "https://blog.example.com", "status": "publish"},
        {"site_url": "https://blog.example.com", "authors": {"12": "Mauricette Raoul"}},
    ],
)
def test_config_refuses_what_ghost_would_not_take(config: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        GhostConfig.model_validate(config)


async def test_a_draft_channel_creates_drafts() -> None:
    site = FakeGhost()
    async with connected(GhostConnector, site) as (connector, _):
        result = await connector.deliver(ghost_context(status="draft"), outgoing(GhostConnector))
        assert await connector.lookup(ghost_context(status="draft"), result.external_id)
    assert site.posts[0]["status"] == "draft"


async def test_check_names_the_site_and_who_ghost_shows_for_each_author() -> None:
    site = FakeGhost()
    nouvelle = Author(person_id=13, full_name="Jeanne Morel", email="jeanne@cl-consult.fr")
    strict = replace(_strict(), authors=(MAURICETTE, nouvelle))
    async with connected(GhostConnector, site) as (connector, recorder):
        result = await connector.check(strict)
        accepted = await connector.check(replace(ghost_context(), authors=(MAURICETTE, nouvelle)))
    assert not result.ok
    assert result.detail.startswith("site Le blog de la Boulangerie: the Admin API key works")
    assert "Mauricette Raoul signs as Ghost user Mauricette Raoul" in result.detail
    assert "Jeanne Morel (person 13) has no Ghost staff user: Ghost would show Aline Lamour" in (
        result.detail
    )
    assert accepted.ok
    assert "Jeanne Morel's posts show Aline Lamour as author (accepted)" in accepted.detail
    assert "authorization" not in recorder.requests[0].headers  # /site/ is public
    assert recorder.requests[1].url.params["include"] == "roles"
    assert site.published == []


async def test_check_of_an_address_that_is_not_ghost_says_so() -> None:
    def not_ghost(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>Nothing here</html>")

    async with connected(GhostConnector, not_ghost) as (connector, _):
        with pytest.raises(PermanentError, match="no Ghost Admin API at this address"):
            await connector.check(ghost_context())


async def test_an_edit_sends_the_current_updated_at_and_replaces_the_article() -> None:
    site = FakeGhost()
    async with connected(GhostConnector, site) as (connector, recorder):
        first = await connector.deliver(_strict(), _mauricettes())
        before = site.posts[0]["updated_at"]
        edited = _mauricettes(body="Les galettes arrivent lundi.")
        result = await connector.update(_strict(), first.external_id, edited)
    put = recorder.requests[-1]
    assert put.method == "PUT"
    assert str(put.url) == f"{GHOST_SITE}/ghost/api/admin/posts/{first.external_id}/?source=html"
    (sent,) = json.loads(put.content)["posts"]
    assert sent["updated_at"] == before
    assert sent["authors"] == [{"id": MAURICETTE_ID}]
    assert "Les galettes arrivent lundi." in site.posts[0]["html"]
    assert site.posts[0]["codeinjection_foot"] == "<!-- byline:byline-delivery-42 -->"
    assert result.external_id == first.external_id


async def test_an_edit_that_collides_with_one_made_on_ghost_is_tried_again() -> None:
    site = FakeGhost()

    def edited_meanwhile(request: httpx.Request) -> httpx.Response:
        if request.method == "PUT":
            site.posts[0]["updated_at"] = "2026-12-03T12:00:00.999Z"
        return site(request)

    async with connected(GhostConnector, edited_meanwhile) as (connector, _):
        first = await connector.deliver(ghost_context(), outgoing(GhostConnector))
        with pytest.raises(TransientError, match="edited this post on Ghost"):
            await connector.update(ghost_context(), first.external_id, outgoing(GhostConnector))


async def test_editing_a_post_deleted_on_ghost_says_so() -> None:
    async with connected(GhostConnector, FakeGhost()) as (connector, _):
        with pytest.raises(PermanentError, match="no longer on the Ghost site"):
            await connector.update(ghost_context(), "6" * 24, outgoing(GhostConnector))


async def test_remove_deletes_and_a_second_remove_is_fine() -> None:
    site = FakeGhost()
    async with connected(GhostConnector, site) as (connector, recorder):
        first = await connector.deliver(ghost_context(), outgoing(GhostConnector))
        await connector.remove(ghost_context(), first.external_id)
        await connector.remove(ghost_context(), first.external_id)
        assert await connector.lookup(ghost_context(), first.external_id) is None
    assert [r.method for r in recorder.requests].count("DELETE") == 2
    assert site.posts == []


async def test_lookup_of_a_post_unpublished_on_ghost_is_none() -> None:
    site = FakeGhost()
    async with connected(GhostConnector, site) as (connector, _):
        first = await connector.deliver(ghost_context(), outgoing(GhostConnector))
        found = await connector.lookup(ghost_context(), first.external_id)
        site.posts[0]["status"] = "draft"
        unpublished = await connector.lookup(ghost_context(), first.external_id)
    assert found is not None and found.external_url == first.external_url
    assert unpublished is None


async def test_reconcile_asks_ghost_for_the_exact_marker() -> None:
    site = FakeGhost()
    async with connected(GhostConnector, site) as (connector, recorder):
        published = await connector.deliver(ghost_context(), outgoing(GhostConnector))
        found = await connector.reconcile(ghost_context(), outgoing(GhostConnector))
    assert found == published
    assert recorder.requests[-1].url.params["filter"] == (
        "codeinjection_foot:'<!-- byline:byline-delivery-42 -->'"
    )
