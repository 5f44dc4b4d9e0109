"""Who WordPress shows as the author: the signer's WordPress user, found by e-mail or mapped by
hand, never silently the account that holds the application password ("agency")."""

import asyncio
import json
from dataclasses import replace
from typing import Any

import pytest

from connectors.base import Author, ReauthRequired
from connectors.wordpress import AuthorNotMapped, WordPressConnector
from tests.connectors.fakes import (
    WP_PASSWORD,
    WP_USER,
    FakeWordPress,
    WPUser,
    wordpress_context,
)
from tests.connectors.helpers import SIGNATURE, answering_after, connected, outgoing

MAURICETTE = Author(person_id=12, full_name="Mauricette Raoul", email="mauricette@cl-consult.fr")
JEAN = Author(person_id=14, full_name="Jean Martin", email="jean@cl-consult.fr")


def agency_site(role: str = "administrator") -> FakeWordPress:
    """The site as the issue met it: the application password is the agency's own account,
    and Mauricette has a WordPress user of her own."""
    return FakeWordPress(
        users=[
            WPUser(1, WP_USER, "agency", "web@cl-consult.fr", role, WP_PASSWORD),
            WPUser(7, "mraoul", "Mauricette Raoul", "Mauricette@CL-Consult.fr", "author"),
            WPUser(8, "mraoul2", "Mauricette R.", "mauricette@cl-consult.fr.old", "author"),
        ]
    )


async def _publish(site: FakeWordPress, **config: Any) -> dict[str, Any]:
    async with connected(WordPressConnector, site) as (connector, _):
        result = await connector.deliver(wordpress_context(**config), outgoing(WordPressConnector))
    post = site.post(int(result.external_id))
    assert post is not None
    return post


async def test_the_signers_wordpress_user_is_found_by_email_and_set_as_author() -> None:
    site = agency_site()
    post = await _publish(site)
    assert post["author"] == 7
    assert site.shown_author(post) == "Mauricette Raoul"


async def test_an_account_that_is_the_signer_publishes_as_itself() -> None:
    site = FakeWordPress()  # the application password is Mauricette's own account
    post = await _publish(site)
    assert site.shown_author(post) == "Mauricette Raoul"


async def test_a_hand_set_mapping_wins_and_needs_no_look_up() -> None:
    site = agency_site()
    async with connected(WordPressConnector, site) as (connector, recorder):
        await connector.deliver(wordpress_context(author_ids={12: 8}), outgoing(WordPressConnector))
    assert [request.method for request in recorder.requests] == ["POST"]
    assert json.loads(recorder.requests[0].content)["author"] == 8


async def test_a_burst_asks_wordpress_who_the_author_is_once() -> None:
    # Each look-up costs the destination's latency: a burst of one signer's posts looks the
    # user up once, then only publishes.
    site = agency_site()
    async with connected(WordPressConnector, site) as (connector, recorder):
        for n in range(3):
            post = outgoing(WordPressConnector, idempotency_key=f"byline-delivery-{n + 1}")
            await connector.deliver(wordpress_context(), post)
    paths = [request.url.path.rsplit("/wp/v2/", 1)[-1] for request in recorder.requests]
    assert paths.count("posts") == 3
    assert len(paths) == 3 + paths.count("users/me") + paths.count("users") == 5
    assert [site.shown_author(post) for post in site.posts] == ["Mauricette Raoul"] * 3


async def test_a_post_got_ready_for_goes_out_in_one_request() -> None:
    # A few seconds before a burst, the dispatcher lets the connector find the signer's user:
    # at the burst's instant, the channel's first post only publishes.
    site = agency_site()
    async with connected(WordPressConnector, site) as (connector, recorder):
        await connector.warm_up(wordpress_context(), outgoing(WordPressConnector))
        ahead = [request.url.path.rsplit("/wp/v2/", 1)[-1] for request in recorder.requests]
        assert site.posts == []
        await connector.deliver(wordpress_context(), outgoing(WordPressConnector))
    assert sorted(ahead) == ["users", "users/me"]
    assert [request.method for request in recorder.requests[len(ahead) :]] == ["POST"]
    assert site.shown_author(site.posts[0]) == "Mauricette Raoul"


async def test_getting_ready_for_an_author_without_a_user_publishes_nothing() -> None:
    # The problem is met again when the post is due, and reported on its delivery then.
    site = agency_site()
    post = replace(
        outgoing(WordPressConnector), signature=replace(SIGNATURE, email="jean@cl-consult.fr")
    )
    async with connected(WordPressConnector, site) as (connector, _):
        with pytest.raises(AuthorNotMapped):
            await connector.warm_up(wordpress_context(), post)
        with pytest.raises(AuthorNotMapped, match="no WordPress user has the e-mail"):
            await connector.deliver(wordpress_context(), post)
    assert site.posts == []


async def test_posts_starting_together_share_one_look_up_of_their_author() -> None:
    # A burst starts several posts of one channel at once, before any look-up has answered:
    # they wait for the same one rather than each asking WordPress.
    site = agency_site()
    async with connected(WordPressConnector, answering_after(0.05, site)) as (connector, recorder):
        await asyncio.gather(
            *(
                connector.deliver(
                    wordpress_context(),
                    outgoing(WordPressConnector, idempotency_key=f"byline-delivery-{n + 1}"),
                )
                for n in range(4)
            )
        )
    paths = [request.url.path.rsplit("/wp/v2/", 1)[-1] for request in recorder.requests]
    assert sorted(paths) == ["posts"] * 4 + ["users", "users/me"]
    assert [site.shown_author(post) for post in site.posts] == ["Mauricette Raoul"] * 4


async def test_a_look_up_that_fails_fails_each_waiting_post_and_is_asked_again() -> None:
    site = agency_site()
    site.users = []  # WordPress answers users/me with an error: the credentials are refused
    async with connected(WordPressConnector, answering_after(0.05, site)) as (connector, recorder):
        results = await asyncio.gather(
            *(
                connector.deliver(
                    wordpress_context(),
                    outgoing(WordPressConnector, idempotency_key=f"byline-delivery-{n + 1}"),
                )
                for n in range(3)
            ),
            return_exceptions=True,
        )
        assert all(isinstance(result, ReauthRequired) for result in results)
        asked = len(recorder.requests)
        site.users = agency_site().users
        await connector.deliver(
            wordpress_context(), outgoing(WordPressConnector, idempotency_key="byline-delivery-9")
        )
    assert asked == 1  # one look-up for the three
    assert len(recorder.requests) > asked + 1, "the failed look-up was remembered"
    assert len(site.posts) == 1


async def test_a_refused_write_forgets_the_author_it_found() -> None:
    site = agency_site()
    async with connected(WordPressConnector, site) as (connector, recorder):
        await connector.deliver(wordpress_context(), outgoing(WordPressConnector))
        site.users = [user for user in site.users if user.id != 7]  # her user was deleted
        with pytest.raises(AuthorNotMapped, match="does not exist"):
            await connector.deliver(
                wordpress_context(),
                outgoing(WordPressConnector, idempotency_key="byline-delivery-2"),
            )
        asked = len(recorder.requests)
        with pytest.raises(AuthorNotMapped):
            await connector.deliver(
                wordpress_context(),
                outgoing(WordPressConnector, idempotency_key="byline-delivery-3"),
            )
    assert len(recorder.requests) > asked, "the next post did not ask WordPress again"
    assert len(site.posts) == 1


async def test_an_author_without_a_wordpress_user_is_held_not_published_as_agency() -> None:
    site = agency_site()
    post = outgoing(WordPressConnector)
    post = replace(post, signature=replace(SIGNATURE, email="jean@cl-consult.fr"))
    async with connected(WordPressConnector, site) as (connector, _):
        with pytest.raises(AuthorNotMapped) as raised:
            await connector.deliver(wordpress_context(), post)
    assert isinstance(raised.value, ReauthRequired)  # the channel waits for a person
    message = raised.value.message
    assert "WordPress would show “agency” as the author of Mauricette Raoul's post" in message
    assert "no WordPress user has the e-mail jean@cl-consult.fr" in message
    assert "author_ids" in message and "accept_account_author" in message
    assert site.published == []


async def test_an_account_that_may_not_list_users_cannot_find_the_signer() -> None:
    site = agency_site(role="author")
    async with connected(WordPressConnector, site) as (connector, _):
        with pytest.raises(AuthorNotMapped, match="may not look users up by e-mail"):
            await connector.deliver(wordpress_context(), outgoing(WordPressConnector))
    assert site.published == []


async def test_an_account_that_may_not_set_authors_is_held_even_when_mapped() -> None:
    site = agency_site(role="author")
    async with connected(WordPressConnector, site) as (connector, _):
        with pytest.raises(AuthorNotMapped, match="edit_others_posts") as raised:
            await connector.deliver(
                wordpress_context(author_ids={12: 7}), outgoing(WordPressConnector)
            )
    assert "Editor or Administrator role" in raised.value.message
    assert site.published == []


async def test_a_mapping_to_a_user_that_does_not_exist_is_held() -> None:
    site = agency_site()
    async with connected(WordPressConnector, site) as (connector, _):
        with pytest.raises(AuthorNotMapped, match="does not exist"):
            await connector.deliver(
                wordpress_context(author_ids={12: 99}), outgoing(WordPressConnector)
            )


async def test_an_owner_may_accept_the_accounts_name_knowingly() -> None:
    site = agency_site()
    post = outgoing(WordPressConnector)
    post = replace(post, signature=replace(SIGNATURE, email="jean@cl-consult.fr"))
    async with connected(WordPressConnector, site) as (connector, recorder):
        result = await connector.deliver(wordpress_context(accept_account_author=True), post)
    published = site.post(int(result.external_id))
    assert published is not None and site.shown_author(published) == "agency"
    assert "author" not in json.loads(recorder.requests[-1].content)


async def test_accepted_then_refused_as_author_goes_out_once_under_the_account() -> None:
    site = agency_site(role="author")
    async with connected(WordPressConnector, site) as (connector, recorder):
        await connector.deliver(
            wordpress_context(author_ids={12: 7}, accept_account_author=True),
            outgoing(WordPressConnector),
        )
    assert [request.method for request in recorder.requests] == ["POST", "POST"]
    assert len(site.published) == 1 and site.posts[0]["author"] == 1


# -- the check ---------------------------------------------------------------------------------


async def _check(site: FakeWordPress, *authors: Author, **config: Any) -> tuple[bool, list[str]]:
    async with connected(WordPressConnector, site) as (connector, _):
        result = await connector.check(wordpress_context(authors=authors, **config))
    assert site.published == []
    return result.ok, result.detail.splitlines()


async def test_the_check_says_which_name_wordpress_shows_for_each_author() -> None:
    ok, lines = await _check(agency_site(), MAURICETTE, JEAN)
    assert not ok
    assert lines[0] == "signed in as agency (administrator)"
    assert lines[1] == "Mauricette Raoul: WordPress shows “Mauricette Raoul” (found by e-mail)"
    assert lines[2].startswith(
        "Jean Martin: WordPress would show “agency”, because no WordPress user has the e-mail "
        "jean@cl-consult.fr. To fix: map Jean Martin to a WordPress user"
    )


async def test_the_check_is_fine_once_every_author_is_mapped_or_accepted() -> None:
    ok, lines = await _check(agency_site(), MAURICETTE, JEAN, author_ids={14: 8})
    assert ok
    assert lines[2] == "Jean Martin: WordPress shows “Mauricette R.” (mapped by hand)"
    ok, lines = await _check(agency_site(), MAURICETTE, JEAN, accept_account_author=True)
    assert ok
    assert lines[2].startswith("Jean Martin: WordPress shows “agency” (no WordPress user has")
    assert lines[2].endswith("the channel accepts the account's name)")


async def test_the_check_refuses_a_contributor_account() -> None:
    site = FakeWordPress(
        users=[
            WPUser(3, WP_USER, "Claire Petit", "claire@cl-consult.fr", "contributor", WP_PASSWORD)
        ]
    )
    ok, lines = await _check(site)
    assert not ok
    assert lines[0] == "signed in as Claire Petit (contributor)"
    assert lines[1].startswith("Claire Petit cannot publish posts (WordPress's publish_posts")


async def test_a_contributor_may_still_write_drafts() -> None:
    site = FakeWordPress(
        users=[
            WPUser(3, WP_USER, "Claire Petit", "claire@cl-consult.fr", "contributor", WP_PASSWORD)
        ]
    )
    ok, _ = await _check(site, status="draft")
    assert ok


async def test_the_check_says_an_author_account_cannot_sign_for_others() -> None:
    ok, lines = await _check(agency_site(role="author"), MAURICETTE, author_ids={12: 7})
    assert not ok
    assert "may not set another author (it lacks WordPress's edit_others_posts" in lines[1]


async def test_the_check_says_a_mapped_user_does_not_exist() -> None:
    ok, lines = await _check(agency_site(), MAURICETTE, author_ids={12: 99})
    assert not ok
    assert "WordPress has no user 99" in lines[1]
