"""The day Mauricette Raoul hands Boulangerie Corre over to Joséphine Maurice, told over HTTP on
the built-in blog, a Facebook Page and a WordPress site, with the real dispatcher."""

from datetime import timedelta

from tests.handovers.conftest import CastFactory
from tests.test_api_refusals import refused

# On Facebook the signature's second line leads to the client's "Who is talking?" page.
WHO = "\nQui parle ? http://testserver/t/boulangerie-corre"
FOOTER_JOSEPHINE = "— Joséphine Maurice, Community Manager · Boulangerie Corre" + WHO
FOOTER_MAURICETTE = "— Mauricette Raoul, Community Manager · Boulangerie Corre" + WHO


async def test_the_whole_story(make_cast: CastFactory) -> None:
    cast = await make_cast()
    start = cast.clock.now
    effective = start + timedelta(hours=2)
    # Mauricette had written a post for after the handover, before anyone planned one.
    later = await cast.post(
        cast.mauricette,
        body="Nouveautés de janvier.",
        scheduled_at=(effective + timedelta(hours=1)).isoformat(),
    )

    proposed = await cast.propose(effective.isoformat(), note="Mauricette part à Lyon.")
    assert proposed["status"] == "proposed" and proposed["waiting"] is False
    draft = proposed["announcement"]
    assert draft["title"] == "Joséphine Maurice prend le relais"
    assert "Un grand merci à Mauricette Raoul" in draft["body"]
    assert "Je m'appelle Joséphine Maurice (Community Manager)" in draft["body"]
    handover = f"/handovers/{proposed['id']}"
    # Joséphine sees it, in her list and whole.
    mine = await cast.ok("GET", "/handovers", cast.josephine)
    assert [item["id"] for item in mine] == [proposed["id"]]

    # Mauricette cannot sign Joséphine's announcement.
    refused(
        await cast.call("POST", f"{handover}/accept", cast.mauricette),
        403,
        "not_handover_incoming",
        says="Joséphine Maurice",
    )
    edited = draft["body"] + "\n\nÀ très vite sur cette page !"
    accepted = await cast.ok(
        "POST", f"{handover}/accept", cast.josephine, {"announcement": {"body": edited}}
    )
    assert accepted["status"] == "accepted"
    assert accepted["announcement"]["body"] == edited
    announcement = await cast.ok(
        "GET", f"/posts/{accepted['announcement_post_id']}", cast.josephine
    )
    assert announcement["author"]["full_name"] == "Joséphine Maurice"
    assert announcement["signature"]["full_name"] == "Joséphine Maurice"
    assert announcement["status"] == "scheduled"
    assert {d["channel_id"] for d in announcement["deliveries"]} == set(cast.channels.values())

    # Joséphine cannot say goodbye for Mauricette; Mauricette writes her own farewell.
    refused(
        await cast.call("POST", f"{handover}/farewell", cast.josephine),
        403,
        "not_handover_outgoing",
        says="Mauricette Raoul",
    )
    farewell = await cast.ok("POST", f"{handover}/farewell", cast.mauricette, status=201)
    assert farewell["signature"]["full_name"] == "Mauricette Raoul"
    assert farewell["scheduled_at"].startswith(
        (effective - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    )
    # And she can no longer schedule anything for after the handover.
    refused(
        await cast.call(
            "POST",
            "/posts",
            cast.mauricette,
            {
                "client_id": cast.client_id,
                "channel_ids": [cast.channels["local_blog"]],
                "body": "Encore moi.",
                "scheduled_at": (effective + timedelta(minutes=5)).isoformat(),
            },
        ),
        403,
        "engagement_over",
        says="Boulangerie Corre",
    )

    # An hour before: the farewell goes out, under Mauricette's name.
    cast.clock.move_to(effective - timedelta(hours=1))
    await cast.settle()
    assert cast.page.published == [farewell["body"] + "\n\n" + FOOTER_MAURICETTE], (
        cast.page.published
    )
    assert len(cast.site.published) == 1

    # The moment comes: the announcement, once on each channel, signed by Joséphine.
    cast.clock.move_to(effective)
    await cast.settle()
    await cast.settle()
    assert len(cast.page.published) == 2 and len(cast.site.published) == 2
    on_facebook = cast.page.published[1]
    assert on_facebook == edited + "\n\n" + FOOTER_JOSEPHINE
    assert "Mauricette Raoul" in on_facebook
    on_wordpress = cast.site.published[1]
    assert "Joséphine Maurice" in on_wordpress and "Mauricette Raoul" in on_wordpress
    assert "https://cl-consult.fr/equipe/josephine.jpg" in on_wordpress
    published = await cast.ok("GET", f"/posts/{accepted['announcement_post_id']}", cast.josephine)
    assert published["status"] == "published", published["deliveries"]
    blog = await cast.http.get(f"/blog/{cast.slug}")
    assert "Joséphine Maurice prend le relais" in blog.text
    assert "https://cl-consult.fr/equipe/josephine.jpg" in blog.text

    # Mauricette's later post is held, naming the handover, and never goes out.
    held = await cast.ok("GET", f"/posts/{later['id']}", cast.owner)
    assert held["status"] == "held"
    assert all(
        d["status"] == "held" and f"handover {proposed['id']}" in d["last_error"]
        for d in held["deliveries"]
    ), held["deliveries"]
    cast.clock.move_to(effective + timedelta(hours=2))
    await cast.settle()
    assert "Nouveautés de janvier." not in "".join(cast.page.published + cast.site.published)

    effective_now = await cast.ok(
        "GET", handover, cast.josephine, headers={"Accept-Language": "fr-FR"}
    )
    assert effective_now["status"] == "effective"
    assert [post["id"] for post in effective_now["held_posts"]] == [later["id"]]
    assert "Joséphine Maurice parle pour Boulangerie Corre" in effective_now["status_message"]

    # Joséphine takes it over as her own new post; the old one, and its signature, stay as they were.
    taken = await cast.ok(
        "POST",
        f"{handover}/posts/{later['id']}/take-over",
        cast.josephine,
        {"body": "Nouveautés de janvier, par Joséphine."},
        status=201,
    )
    assert taken["author"]["full_name"] == "Joséphine Maurice"
    assert taken["signature"]["full_name"] == "Joséphine Maurice"
    old = await cast.ok("GET", f"/posts/{later['id']}", cast.owner)
    assert old["status"] == "cancelled"
    assert old["signature"]["full_name"] == "Mauricette Raoul"
    await cast.settle()
    assert cast.page.published[-1] == "Nouveautés de janvier, par Joséphine.\n\n" + FOOTER_JOSEPHINE
    assert len(cast.page.published) == 3 and len(cast.site.published) == 3

    # The transparency page tells the story.
    story = (await cast.http.get(f"/t/{cast.slug}.json")).json()
    assert [voice["full_name"] for voice in story["current"]] == ["Joséphine Maurice"]
    assert [voice["full_name"] for voice in story["past"]] == ["Mauricette Raoul"]
    assert story["past"][0]["until"].startswith(effective.strftime("%Y-%m-%dT%H:%M"))
    assert story["handovers"] == [
        {
            "outgoing": "Mauricette Raoul",
            "incoming": "Joséphine Maurice",
            "at": story["handovers"][0]["at"],
            "announcement_url": story["handovers"][0]["announcement_url"],
        }
    ]
    assert story["handovers"][0]["at"].startswith(effective.strftime("%Y-%m-%dT%H:%M"))
    assert story["handovers"][0]["announcement_url"]
    page = (await cast.http.get(f"/t/{cast.slug}")).text
    assert "Mauricette Raoul a passé le relais à Joséphine Maurice" in page
    assert story["handovers"][0]["announcement_url"] in page
