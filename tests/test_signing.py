"""No anonymous voice: each enforcement point holds, and every channel shows the signature."""

from typing import ClassVar

import httpx
import pytest
from sqlalchemy import update

from app.db import unit_of_work
from app.dispatch.engine import Dispatcher
from app.models import Post
from app.state import AppState
from connectors.base import (
    Capabilities,
    ChannelContext,
    Connector,
    PublishResult,
    Signature,
    UnsignedPost,
)
from connectors.local_blog import LocalBlogConnector
from tests.conftest import BASE_URL, AppFactory
from tests.factories import Writer, bearer, engaged_writer, ok


class RecordingText(Connector):
    """A text channel (like Facebook) that records what it was asked to publish."""

    name = "recording_text"
    label = "Recording"
    capabilities = Capabilities(max_length=500, supports_title=False)
    published: ClassVar[list[str]] = []

    async def publish(self, channel: ChannelContext, post) -> PublishResult:  # type: ignore[no-untyped-def]
        RecordingText.published.append(post.text)
        return PublishResult(external_id=str(len(RecordingText.published)))


CONNECTORS = {"local_blog": LocalBlogConnector, "recording_text": RecordingText}


@pytest.fixture(autouse=True)
def _fresh_recorder() -> None:
    RecordingText.published.clear()


async def _setup(make_app: AppFactory) -> tuple[AppState, httpx.AsyncClient, Writer]:
    app = await make_app(connectors=CONNECTORS)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
    writer = await engaged_writer(app.state.byline, http)
    return app.state.byline, http, writer


async def _text_channel(http: httpx.AsyncClient, writer: Writer) -> int:
    channel = await ok(
        await http.post(
            f"/api/v1/clients/{writer.client_id}/channels",
            headers=bearer(writer.org.owner_token),
            json={"kind": "recording_text", "name": "Page"},
        ),
        201,
    )
    return int(channel["id"])


async def _post_now(http: httpx.AsyncClient, writer: Writer, channel_ids: list[int]) -> dict:
    return await ok(
        await http.post(
            "/api/v1/posts",
            headers=bearer(writer.token),
            json={
                "client_id": writer.client_id,
                "channel_ids": channel_ids,
                "title": "Bonjour",
                "body": "Du pain frais.",
            },
        ),
        201,
    )


async def test_preview_shows_each_channel_with_its_signature(make_app: AppFactory) -> None:
    _, http, writer = await _setup(make_app)
    text_channel = await _text_channel(http, writer)
    previews = await ok(
        await http.post(
            "/api/v1/posts/preview",
            headers=bearer(writer.token),
            json={
                "client_id": writer.client_id,
                "channel_ids": [writer.channel_id, text_channel],
                "body": "Du pain frais.",
            },
        )
    )
    blog, text = previews
    assert (
        text["text"]
        == "Du pain frais.\n\n— Mauricette Raoul, Community Manager · Boulangerie Corre"
    )
    assert text["fits"] is True and text["max_length"] == 500
    assert 'rel="author"' in blog["html"] and "Mauricette Raoul" in blog["html"]
    assert f"{BASE_URL}/t/{writer.client_slug}" in blog["html"]
    assert "Par" in blog["html"]  # the client speaks French
    # Nothing was saved.
    assert await ok(await http.get("/api/v1/posts", headers=bearer(writer.token))) == []


async def test_client_wording_keeps_name_and_role(make_app: AppFactory) -> None:
    state, http, writer = await _setup(make_app)
    owner = bearer(writer.org.owner_token)
    await ok(
        await http.patch(
            f"/api/v1/clients/{writer.client_id}",
            headers=owner,
            json={"signature_intro": "Votre CM :"},
        )
    )
    text_channel = await _text_channel(http, writer)
    await _post_now(http, writer, [text_channel])
    await Dispatcher(state).tick()
    assert RecordingText.published == [
        "Du pain frais.\n\nVotre CM : Mauricette Raoul, Community Manager · Boulangerie Corre"
    ]

    refused = await http.patch(
        f"/api/v1/clients/{writer.client_id}", headers=owner, json={"signature_intro": "{name}\n"}
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "signature_intro_invalid"


async def test_a_review_name_signs_only_after_a_confirmed_attestation(make_app: AppFactory) -> None:
    _state, http, writer = await _setup(make_app)
    owner = bearer(writer.org.owner_token)
    person = await ok(
        await http.post(
            "/api/v1/people",
            headers=owner,
            json={"email": "jean@cl-consult.fr", "full_name": "Jean Dupont", "role": "cm"},
        ),
        201,
    )
    assert person["name_check"]["verdict"] == "review"
    unconfirmed = await http.post(
        f"/api/v1/people/{person['id']}/attest", headers=owner, json={"method": "declared"}
    )
    assert unconfirmed.status_code == 422
    assert unconfirmed.json()["error"]["code"] == "attest_needs_confirm"
    assert (await ok(await http.get(f"/api/v1/people/{person['id']}", headers=owner)))[
        "attested"
    ] is False
    confirmed = await ok(
        await http.post(
            f"/api/v1/people/{person['id']}/attest",
            headers=owner,
            json={"method": "declared", "confirm": True},
        )
    )
    assert confirmed["attested"] is True


async def test_a_refused_name_is_never_created(make_app: AppFactory) -> None:
    _, http, writer = await _setup(make_app)
    owner = bearer(writer.org.owner_token)
    before = await ok(await http.get("/api/v1/people", headers=owner))
    refused = await http.post(
        "/api/v1/people",
        headers=owner,
        json={"email": "x@cl-consult.fr", "full_name": "Admin", "role": "cm"},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "name_refused"
    assert refused.json()["error"]["field"] == "full_name"
    assert await ok(await http.get("/api/v1/people", headers=owner)) == before


async def test_withdrawn_attestation_holds_the_post_at_dispatch(make_app: AppFactory) -> None:
    state, http, writer = await _setup(make_app)
    text_channel = await _text_channel(http, writer)
    post = await _post_now(http, writer, [text_channel])
    await ok(
        await http.post(
            f"/api/v1/people/{writer.person_id}/attest/withdraw",
            headers=bearer(writer.org.owner_token),
            json={"reason": "ID document expired"},
        )
    )
    await Dispatcher(state).tick()
    held = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token)))
    assert held["status"] == "held"
    assert held["deliveries"][0]["status"] == "held"
    assert "author_not_attested" in held["deliveries"][0]["last_error"]
    assert RecordingText.published == []


async def test_a_changed_name_needs_a_new_attestation_but_signed_posts_keep_theirs(
    make_app: AppFactory,
) -> None:
    state, http, writer = await _setup(make_app)
    text_channel = await _text_channel(http, writer)
    post = await _post_now(http, writer, [text_channel])
    renamed = await ok(
        await http.patch(
            f"/api/v1/people/{writer.person_id}",
            headers=bearer(writer.org.owner_token),  # nobody renames themselves
            json={"full_name": "Mauricette Leroux"},
        )
    )
    assert renamed["attested"] is False
    refused = await http.post(
        "/api/v1/posts",
        headers=bearer(writer.token),
        json={"client_id": writer.client_id, "channel_ids": [text_channel], "body": "Encore."},
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "author_not_attested"
    await ok(
        await http.post(
            f"/api/v1/people/{writer.person_id}/attest",
            headers=bearer(writer.org.owner_token),
            json={"method": "id_document"},
        )
    )
    await Dispatcher(state).tick()
    published = await ok(
        await http.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token))
    )
    assert published["signature"]["full_name"] == "Mauricette Raoul"
    assert RecordingText.published[0].endswith(
        "— Mauricette Raoul, Community Manager · Boulangerie Corre"
    )


async def test_an_author_who_left_is_never_published(make_app: AppFactory) -> None:
    state, http, writer = await _setup(make_app)
    text_channel = await _text_channel(http, writer)
    post = await _post_now(http, writer, [text_channel, writer.channel_id])
    gone = await ok(
        await http.post(
            f"/api/v1/people/{writer.person_id}/leave", headers=bearer(writer.org.owner_token)
        )
    )
    assert gone["active"] is False
    await Dispatcher(state).tick()
    held = await ok(
        await http.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.org.owner_token))
    )
    assert held["status"] == "held"
    assert all(
        d["status"] == "held" and "author_left" in d["last_error"] for d in held["deliveries"]
    )
    assert RecordingText.published == []
    assert "Du pain frais" not in (await http.get(f"/blog/{writer.client_slug}")).text
    # Their token no longer works.
    assert (await http.get("/api/v1/people/me", headers=bearer(writer.token))).status_code == 401


async def test_a_tampered_row_is_held_not_sent(make_app: AppFactory) -> None:
    state, http, writer = await _setup(make_app)
    text_channel = await _text_channel(http, writer)
    post = await _post_now(http, writer, [text_channel])
    async with unit_of_work(state.session_factory) as session:
        await session.execute(
            update(Post).where(Post.id == post["id"]).values(sig_full_name="Someone Else")
        )
    await Dispatcher(state).tick()
    held = await ok(await http.get(f"/api/v1/posts/{post['id']}", headers=bearer(writer.token)))
    assert held["deliveries"][0]["status"] == "held"
    assert "signature_mismatch" in held["deliveries"][0]["last_error"]
    assert RecordingText.published == []


async def test_the_connector_boundary_refuses_an_unsigned_rendering(make_app: AppFactory) -> None:
    from app.kit.time import utc_now
    from app.posts.render import PostContent, SignatureStyle, render

    signature = Signature(
        "Mauricette Raoul", "Community Manager", None, "Boulangerie Corre", f"{BASE_URL}/t/x"
    )
    rendered = render(
        PostContent(title=None, body="Du pain.", link=None, scheduled_at=utc_now()),
        signature,
        RecordingText.capabilities,
        SignatureStyle(kind="recording_text", intro=None, locale="fr"),
        idempotency_key="k",
    )
    stripped = type(rendered)(**{**rendered.__dict__, "text": "Du pain."})
    connector = RecordingText(host=None)  # type: ignore[arg-type]
    channel = ChannelContext(channel_id=1, name="Page", config=None, credentials=None)  # type: ignore[arg-type]
    with pytest.raises(UnsignedPost):
        await connector.deliver(channel, stripped)
    impostor = type(rendered)(
        **{**rendered.__dict__, "signature": Signature("Someone Else", None, None, "X", "")}
    )
    with pytest.raises(UnsignedPost):
        await connector.deliver(channel, impostor)
    assert RecordingText.published == []
    await connector.deliver(channel, rendered)
    assert RecordingText.published == [rendered.text]


async def test_renderings_for_facebook_and_wordpress_carry_the_signature() -> None:
    from app.kit.time import utc_now
    from app.posts.render import PostContent, SignatureStyle, render

    signature = Signature(
        "Mauricette Raoul",
        "Community Manager",
        "https://cl.example/m.jpg",
        "CL Consult",
        "https://byline.example/t/cl",
    )
    content = PostContent(
        title="Titre",
        body="Bonjour <b>à tous</b>.",
        link="https://cl.example",
        scheduled_at=utc_now(),
    )
    facebook = render(
        content,
        signature,
        Capabilities(max_length=63206),
        SignatureStyle("facebook_page", None, "fr"),
        idempotency_key="k",
    )
    # The link goes out as Facebook's own `link` field, so the text does not repeat it; the
    # footer leads to the client's "Who is talking?" page.
    assert facebook.text == (
        "Bonjour <b>à tous</b>.\n\n— Mauricette Raoul, Community Manager · CL Consult\n"
        "Qui parle ? https://byline.example/t/cl"
    )
    assert facebook.link == "https://cl.example"
    assert facebook.html is None
    wordpress = render(
        content,
        signature,
        Capabilities(supports_html=True, supports_title=True),
        SignatureStyle("wordpress", None, "en"),
        idempotency_key="k",
    )
    assert wordpress.html is not None and wordpress.html.startswith(wordpress.signature_html or "-")
    for piece in (
        "By",
        "Mauricette Raoul",
        "Community Manager",
        "https://cl.example/m.jpg",
        "https://byline.example/t/cl",
    ):
        assert piece in wordpress.html
    assert "style=" in (wordpress.signature_html or "")  # WordPress themes lack our stylesheet


async def test_transparency_page_shows_current_and_past_voices(make_app: AppFactory) -> None:
    _, http, writer = await _setup(make_app)
    owner = bearer(writer.org.owner_token)
    page = await http.get(f"/t/{writer.client_slug}")
    assert page.status_code == 200
    assert "Qui parle pour Boulangerie Corre ?" in page.text and "Mauricette Raoul" in page.text
    data = await ok(await http.get(f"/t/{writer.client_slug}.json"))
    assert [voice["full_name"] for voice in data["current"]] == ["Mauricette Raoul"]
    assert data["past"] == []

    await ok(await http.post(f"/api/v1/engagements/{writer.engagement_id}/end", headers=owner))
    data = await ok(await http.get(f"/t/{writer.client_slug}.json"))
    assert data["current"] == []
    assert [voice["full_name"] for voice in data["past"]] == ["Mauricette Raoul"]
    assert data["past"][0]["until"] is not None
    page = await http.get(f"/t/{writer.client_slug}")
    assert "Auparavant" in page.text and "Personne ne parle" in page.text


async def test_an_owner_can_confirm_a_real_name_refused_for_how_it_is_written(
    make_app: AppFactory,
) -> None:
    _, http, writer = await _setup(make_app)
    owner = bearer(writer.org.owner_token)
    person = {"email": "night@cl-consult.fr", "full_name": "M. Night Shyamalan", "role": "cm"}
    refused = await http.post("/api/v1/people", headers=owner, json=person)
    assert refused.status_code == 422
    assert "ask an owner or a manager to confirm it" in refused.json()["error"]["message"]
    created = await ok(
        await http.post("/api/v1/people", headers=owner, json={**person, "confirm_name": True}), 201
    )
    assert created["name_check"]["verdict"] == "refuse" and created["attested"] is False
    attest = f"/api/v1/people/{created['id']}/attest"
    needs = await http.post(attest, headers=owner, json={"method": "id_document"})
    assert needs.status_code == 422 and needs.json()["error"]["code"] == "attest_needs_confirm"
    done = await ok(
        await http.post(attest, headers=owner, json={"method": "id_document", "confirm": True})
    )
    assert done["attested"] is True

    # A role name has no way out, whoever asks.
    admin = await http.post(
        "/api/v1/people",
        headers=owner,
        json={"email": "a@cl-consult.fr", "full_name": "Admin", "role": "cm", "confirm_name": True},
    )
    assert admin.status_code == 422 and admin.json()["error"]["code"] == "name_refused"
    # A CM cannot confirm their own refused spelling.
    self_rename = await http.patch(
        f"/api/v1/people/{writer.person_id}",
        headers=bearer(writer.token),
        json={"full_name": "M. Raoul", "confirm_name": True},
    )
    assert self_rename.status_code in (403, 422)
