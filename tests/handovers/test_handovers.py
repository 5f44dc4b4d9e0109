"""Handovers one rule at a time: the wording in both languages, declining, cancelling, a handover
nobody accepted in time, changes of time, departures, and every refusal."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.handovers.conftest import CastFactory
from tests.handovers.helpers import Cast, person
from tests.test_api_refusals import FALL_BACK, SPRING_FORWARD, case, refused, snapshot

FR = {"Accept-Language": "fr-FR,fr;q=0.9"}


async def _published(cast: Cast) -> str:
    return "\n".join(cast.page.published + cast.site.published)


async def test_announcements_in_english_and_in_the_clients_own_words(
    make_cast: CastFactory,
) -> None:
    cast = await make_cast(locale="en", kinds=("facebook_page",))
    proposed = await cast.propose()
    assert proposed["announcement"]["title"] == "Joséphine Maurice takes over"
    assert proposed["announcement"]["body"].startswith(
        "A big thank-you to Mauricette Raoul, who has answered you on behalf of Boulangerie Corre"
    )
    assert proposed["farewell_draft"]["title"] == "Thank you, and goodbye"
    await cast.ok("POST", f"/handovers/{proposed['id']}/cancel", cast.owner)

    # The client words it; both people must be named.
    client = f"/clients/{cast.client_id}"
    with case("unknown placeholder"):
        refused(
            await cast.call(
                "PATCH", client, cast.owner, {"handover_wording": "Bye {outgoing}, hi {newcomer}"}
            ),
            422,
            "handover_wording_invalid",
            "handover_wording",
            says="{newcomer} is not one of them",
        )
    with case("incoming missing, in French"):
        error = refused(
            await cast.call(
                "PATCH", client, cast.owner, {"handover_wording": "Merci {outgoing} !"}, headers=FR
            ),
            422,
            "handover_wording_invalid",
            "handover_wording",
        )
        assert "il manque {incoming}" in error["message"]
    wording = "{client} says thank you to {outgoing} and welcome to {incoming} ({incoming_role})."
    await cast.ok("PATCH", client, cast.owner, {"handover_wording": wording})
    worded = await cast.propose()
    assert worded["announcement"]["body"] == (
        "Boulangerie Corre says thank you to Mauricette Raoul and welcome to Joséphine Maurice "
        "(Community Manager)."
    )
    accepted = await cast.ok("POST", f"/handovers/{worded['id']}/accept", cast.josephine)
    cast.clock.move_to(datetime.fromisoformat(accepted["effective_at"]))
    await cast.settle()
    assert cast.page.published == [
        worded["announcement"]["body"]
        + "\n\n— Joséphine Maurice, Community Manager · Boulangerie Corre"
        + f"\nWho is talking? http://testserver/t/{cast.slug}"
    ]


async def test_french_drafts(make_cast: CastFactory) -> None:
    cast = await make_cast(locale="fr", kinds=("local_blog",))
    proposed = await cast.propose((cast.clock.now + timedelta(days=1)).isoformat())
    farewell = proposed["farewell_draft"]
    assert farewell["title"] == "Merci, et au revoir"
    assert "Joséphine Maurice prend le relais" in farewell["body"]
    assert " à " in farewell["body"].split("partir du ")[1]  # "le 4 décembre 2026 à 09:00"


async def test_declining_leaves_the_outgoing_cm_in_place(make_cast: CastFactory) -> None:
    cast = await make_cast(kinds=("facebook_page",))
    effective = cast.clock.now + timedelta(hours=2)
    proposed = await cast.propose(effective.isoformat())
    handover = f"/handovers/{proposed['id']}"
    farewell = await cast.ok("POST", f"{handover}/farewell", cast.mauricette, status=201)
    # Only Joséphine answers.
    refused(
        await cast.call("POST", f"{handover}/decline", cast.owner), 403, "not_handover_incoming"
    )
    declined = await cast.ok(
        "POST", f"{handover}/decline", cast.josephine, {"reason": "Je pars moi aussi."}
    )
    assert declined["status"] == "declined"
    assert declined["decline_reason"] == "Je pars moi aussi."
    seen = await cast.ok("GET", handover, cast.owner, headers=FR)
    assert seen["status_message"] == (
        "Joséphine Maurice a refusé : « Je pars moi aussi. ». Mauricette Raoul parle toujours "
        "pour Boulangerie Corre."
    )
    refused(
        await cast.call("POST", f"{handover}/accept", cast.josephine),
        409,
        "handover_not_pending",
        says="declined",
    )
    # Her proposed engagement went with it; the farewell will not go out.
    engagements = await cast.ok(
        "GET", "/engagements", cast.owner, params={"person_id": cast.josephine_id}
    )
    assert [e["status"] for e in engagements] == ["declined"]
    assert (await cast.ok("GET", f"/posts/{farewell['id']}", cast.owner))["status"] == "cancelled"
    # Mauricette still speaks for the client, after the planned time too.
    later = await cast.post(
        cast.mauricette,
        body="Toujours là.",
        scheduled_at=(effective + timedelta(hours=1)).isoformat(),
    )
    cast.clock.move_to(effective + timedelta(hours=1))
    await cast.settle()
    assert (await cast.ok("GET", f"/posts/{later['id']}", cast.owner))["status"] == "published"
    assert "Toujours là." in await _published(cast) and "prend le relais" not in await _published(
        cast
    )


async def test_cancelling_an_accepted_handover(make_cast: CastFactory) -> None:
    cast = await make_cast(kinds=("facebook_page", "local_blog"))
    effective = cast.clock.now + timedelta(hours=2)
    proposed = await cast.propose(effective.isoformat())
    handover = f"/handovers/{proposed['id']}"
    accepted = await cast.ok("POST", f"{handover}/accept", cast.josephine)
    refused(await cast.call("POST", f"{handover}/cancel", cast.josephine), 403, "forbidden_role")
    cancelled = await cast.ok("POST", f"{handover}/cancel", cast.owner)
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"]
    announcement = await cast.ok("GET", f"/posts/{accepted['announcement_post_id']}", cast.owner)
    assert announcement["status"] == "cancelled"
    refused(
        await cast.call("POST", f"{handover}/cancel", cast.owner),
        409,
        "handover_not_cancellable",
        says="cancelled",
    )
    # Mauricette keeps the client; Joséphine's engagement, which came with the handover, ended.
    later = await cast.post(
        cast.mauricette, scheduled_at=(effective + timedelta(minutes=1)).isoformat()
    )
    engagements = await cast.ok(
        "GET", "/engagements", cast.owner, params={"person_id": cast.josephine_id}
    )
    assert [e["status"] for e in engagements] == ["ended"]
    cast.clock.move_to(effective + timedelta(minutes=1))
    await cast.settle()
    assert cast.page.published == [
        "Les galettes sont là.\n\n— Mauricette Raoul, Community Manager · Boulangerie Corre"
        f"\nQui parle ? http://testserver/t/{cast.slug}"
    ]
    assert (await cast.ok("GET", f"/posts/{later['id']}", cast.owner))["status"] == "published"
    story = (await cast.http.get(f"/t/{cast.slug}.json")).json()
    assert story["handovers"] == []
    assert [v["full_name"] for v in story["current"]] == ["Mauricette Raoul"]


async def test_a_handover_not_accepted_in_time_waits(make_cast: CastFactory) -> None:
    cast = await make_cast(kinds=("facebook_page",))
    effective = cast.clock.now + timedelta(hours=1)
    proposed = await cast.propose(effective.isoformat())
    handover = f"/handovers/{proposed['id']}"
    after = await cast.post(
        cast.mauricette,
        body="Après l'heure.",
        scheduled_at=(effective + timedelta(minutes=10)).isoformat(),
    )
    cast.clock.move_to(effective + timedelta(minutes=30))
    await cast.settle()
    waiting = await cast.ok("GET", handover, cast.owner, headers=FR)
    assert waiting["status"] == "proposed" and waiting["waiting"] is True
    assert "rien n'a été annoncé" in waiting["status_message"]
    # Nothing was announced and nothing changed: Mauricette's post went out under her name.
    assert cast.page.published == [
        "Après l'heure.\n\n— Mauricette Raoul, Community Manager · Boulangerie Corre"
        f"\nQui parle ? http://testserver/t/{cast.slug}"
    ]
    assert (await cast.ok("GET", f"/posts/{after['id']}", cast.owner))["status"] == "published"
    # Accepted late, it takes effect at once.
    accepted = await cast.ok("POST", f"{handover}/accept", cast.josephine)
    assert accepted["status"] == "effective"
    assert accepted["took_effect_at"].startswith(cast.clock.now.strftime("%Y-%m-%dT%H:%M"))
    await cast.settle()
    assert len(cast.page.published) == 2
    assert cast.page.published[1].endswith(
        "— Joséphine Maurice, Community Manager · Boulangerie Corre"
        f"\nQui parle ? http://testserver/t/{cast.slug}"
    )


async def test_effective_times_that_a_change_of_time_makes_unclear(make_cast: CastFactory) -> None:
    cast = await make_cast(kinds=("local_blog",))
    path = f"/clients/{cast.client_id}/handovers"
    body = {"outgoing_person_id": cast.mauricette_id, "incoming_person_id": cast.josephine_id}
    before = await snapshot(cast.http, cast.owner)
    with case("spring gap"):
        refused(
            await cast.call(
                "POST", path, cast.owner, {**body, "effective_at": f"{SPRING_FORWARD}T02:30"}
            ),
            422,
            "effective_at_nonexistent",
            "effective_at",
            says="Europe/Paris",
        )
    with case("autumn overlap"):
        error = refused(
            await cast.call(
                "POST", path, cast.owner, {**body, "effective_at": f"{FALL_BACK}T02:30"}, headers=FR
            ),
            422,
            "effective_at_ambiguous",
            "effective_at",
        )
        assert f"{FALL_BACK}T02:30:00+02:00" in error["message"]
        assert f"{FALL_BACK}T02:30:00+01:00" in error["message"]
        assert "existe deux fois" in error["message"]
    with case("an explicit offset settles it"):
        done = await cast.ok(
            "POST",
            path,
            cast.owner,
            {**body, "effective_at": f"{FALL_BACK}T02:30:00+01:00"},
            status=201,
        )
        assert done["effective_at"].startswith(f"{FALL_BACK}T01:30:00")
    assert (await snapshot(cast.http, cast.owner))["/posts"] == before["/posts"]


async def test_refusals(make_cast: CastFactory) -> None:
    cast = await make_cast(kinds=("local_blog",))
    path = f"/clients/{cast.client_id}/handovers"
    soon = (cast.clock.now + timedelta(hours=1)).isoformat()
    body: dict[str, Any] = {
        "outgoing_person_id": cast.mauricette_id,
        "incoming_person_id": cast.josephine_id,
        "effective_at": soon,
    }
    unattested = await person(
        cast.http, cast.owner, "nina@cl-consult.fr", "Nina Ricci", attest=False
    )
    outsider = await person(cast.http, cast.owner, "paul@cl-consult.fr", "Paul Durand")
    before = await snapshot(cast.http, cast.owner)
    cases: list[tuple[str, Any, str, Any, int, str, str]] = [
        ("a CM proposes", cast.mauricette, path, body, 403, "forbidden_role", ...),
        (
            "same person",
            cast.owner,
            path,
            {**body, "incoming_person_id": cast.mauricette_id},
            422,
            "handover_same_person",
            "incoming_person_id",
        ),
        (
            "unattested",
            cast.owner,
            path,
            {**body, "incoming_person_id": unattested},
            422,
            "handover_incoming_not_attested",
            "incoming_person_id",
        ),
        (
            "outgoing not engaged",
            cast.owner,
            path,
            {**body, "outgoing_person_id": outsider},
            422,
            "handover_outgoing_not_engaged",
            "outgoing_person_id",
        ),
        (
            "unknown person",
            cast.owner,
            path,
            {**body, "incoming_person_id": 999},
            404,
            "not_found",
            "incoming_person_id",
        ),
        ("unknown client", cast.owner, "/clients/999/handovers", body, 404, "not_found", ...),
        (
            "past",
            cast.owner,
            path,
            {**body, "effective_at": "2020-01-01T09:00:00+01:00"},
            422,
            "effective_at_in_past",
            "effective_at",
        ),
        (
            "not a time",
            cast.owner,
            path,
            {**body, "effective_at": "demain"},
            422,
            "effective_at_invalid",
            "effective_at",
        ),
        (
            "no time",
            cast.owner,
            path,
            {k: v for k, v in body.items() if k != "effective_at"},
            422,
            "field_required",
            "effective_at",
        ),
        (
            "signer field",
            cast.owner,
            path,
            {**body, "announcement_author": "Mauricette"},
            422,
            "unknown_field",
            "announcement_author",
        ),
    ]
    for label, token, where, payload, status, code, field in cases:
        with case(label):
            refused(await cast.call("POST", where, token, payload), status, code, field)
            refused(await cast.call("POST", where, token, payload, headers=FR), status, code, field)
    assert await snapshot(cast.http, cast.owner) == before

    proposed = await cast.propose(soon)
    handover = f"/handovers/{proposed['id']}"
    with case("a second one"):
        refused(
            await cast.call("POST", path, cast.owner, body),
            409,
            "handover_exists",
            says=f"handover {proposed['id']}",
        )
    with case("someone else's handover is not found"):
        refused(await cast.call("GET", handover, await _token(cast, outsider)), 404, "not_found")
    with case("an empty announcement"):
        refused(
            await cast.call(
                "POST", f"{handover}/accept", cast.josephine, {"announcement": {"body": " "}}
            ),
            422,
            "body_empty",
            "announcement.body",
        )
    with case("a farewell after the handover"):
        refused(
            await cast.call(
                "POST",
                f"{handover}/farewell",
                cast.mauricette,
                {"scheduled_at": (cast.clock.now + timedelta(hours=2)).isoformat()},
            ),
            422,
            "farewell_too_late",
            "scheduled_at",
        )
    with case("taking over before it takes effect"):
        post = await cast.post(cast.mauricette)
        await cast.settle()  # published: not held
        refused(
            await cast.call("POST", f"{handover}/posts/{post['id']}/take-over", cast.josephine),
            409,
            "handover_not_effective",
        )
    await cast.ok("POST", f"{handover}/farewell", cast.mauricette, status=201)
    with case("a second farewell"):
        refused(
            await cast.call("POST", f"{handover}/farewell", cast.mauricette), 409, "farewell_exists"
        )
    await cast.ok("POST", f"{handover}/accept", cast.josephine)
    cast.clock.move_to(cast.clock.now + timedelta(hours=1))
    await cast.settle()
    with case("taking over a post that was not held"):
        refused(
            await cast.call("POST", f"{handover}/posts/{post['id']}/take-over", cast.josephine),
            409,
            "not_held_by_handover",
        )
    with case("Mauricette cannot take over"):
        refused(
            await cast.call("POST", f"{handover}/posts/{post['id']}/take-over", cast.mauricette),
            403,
            "not_handover_incoming",
        )


async def _token(cast: Cast, person_id: int) -> str:
    from tests.factories import token_for

    people = await cast.ok("GET", "/people", cast.owner)
    email = next(p["email"] for p in people if p["id"] == person_id)
    return await token_for(cast.state, email)


async def _second_client(cast: Cast, name: str, timezone: str = "Europe/Paris") -> int:
    client = await cast.ok(
        "POST",
        "/clients",
        cast.owner,
        {"name": name, "timezone": timezone, "locale": "fr"},
        status=201,
    )
    engagement = await cast.ok(
        "POST",
        f"/clients/{client['id']}/engagements",
        cast.owner,
        {"person_id": cast.mauricette_id},
        status=201,
    )
    await cast.ok("POST", f"/engagements/{engagement['id']}/accept", cast.mauricette)
    await cast.ok(
        "POST",
        f"/clients/{client['id']}/channels",
        cast.owner,
        {"kind": "local_blog", "name": "Blog", "config": {}, "credentials": {}},
        status=201,
    )
    return int(client["id"])


async def test_leaving_with_a_successor_and_without(make_cast: CastFactory) -> None:
    cast = await make_cast(kinds=("local_blog",))
    fromagerie = await _second_client(cast, "Fromagerie Lamour")
    fromagerie_channel = (await cast.ok("GET", f"/clients/{fromagerie}/channels", cast.owner))[0][
        "id"
    ]
    tomorrow = (cast.clock.now + timedelta(days=1)).isoformat()
    corre_post = await cast.post(cast.mauricette, scheduled_at=tomorrow)
    fromagerie_post = await cast.ok(
        "POST",
        "/posts",
        cast.mauricette,
        {
            "client_id": fromagerie,
            "channel_ids": [fromagerie_channel],
            "body": "Comté 24 mois.",
            "scheduled_at": tomorrow,
        },
        status=201,
    )
    with case("a client named twice"):
        refused(
            await cast.call(
                "POST",
                f"/people/{cast.mauricette_id}/leave",
                cast.owner,
                {"successors": [{"client_id": cast.client_id, "person_id": cast.josephine_id}] * 2},
            ),
            422,
            "successor_duplicate",
            "successors.1.client_id",
        )
    with case("a successor who cannot sign"):
        unattested = await person(
            cast.http, cast.owner, "nina@cl-consult.fr", "Nina Ricci", attest=False
        )
        refused(
            await cast.call(
                "POST",
                f"/people/{cast.mauricette_id}/leave",
                cast.owner,
                {"successors": [{"client_id": cast.client_id, "person_id": unattested}]},
            ),
            422,
            "handover_incoming_not_attested",
            "successors.0.person_id",
        )
    gone = await cast.ok(
        "POST",
        f"/people/{cast.mauricette_id}/leave",
        cast.owner,
        {"successors": [{"client_id": cast.client_id, "person_id": cast.josephine_id}]},
    )
    assert gone["active"] is False
    assert sorted(gone["held_post_ids"]) == sorted([corre_post["id"], fromagerie_post["id"]])
    [handover] = gone["handovers"]
    assert handover["client_id"] == cast.client_id and handover["status"] == "proposed"
    # Held at once, not when they fall due; her token no longer works.
    for post in (corre_post, fromagerie_post):
        held = await cast.ok("GET", f"/posts/{post['id']}", cast.owner)
        assert held["status"] == "held"
        assert all("author_left" in d["last_error"] for d in held["deliveries"])
    refused(await cast.call("GET", "/people/me", cast.mauricette), 401, "invalid_token")
    # Nobody speaks for the Fromagerie now, and its page says since when.
    fromagerie_slug = next(
        c["slug"] for c in await cast.ok("GET", "/clients", cast.owner) if c["id"] == fromagerie
    )
    silent = (await cast.http.get(f"/t/{fromagerie_slug}.json")).json()
    assert silent["current"] == [] and silent["nobody_since"]
    assert (
        "Personne ne parle pour Fromagerie Lamour depuis le"
        in (await cast.http.get(f"/t/{fromagerie_slug}")).text
    )
    # Joséphine accepts Boulangerie Corre: announced at once, and she may take the post over.
    accepted = await cast.ok("POST", f"/handovers/{handover['id']}/accept", cast.josephine)
    assert accepted["status"] == "effective"
    assert [p["id"] for p in accepted["held_posts"]] == [corre_post["id"]]
    await cast.settle()
    blog = (await cast.http.get(f"/blog/{cast.slug}")).text
    assert "Joséphine Maurice prend le relais" in blog and "Les galettes sont là." not in blog


async def test_a_planned_departure(make_cast: CastFactory) -> None:
    cast = await make_cast(kinds=("local_blog",))
    leaving = cast.clock.now + timedelta(days=2)
    before = await cast.post(
        cast.mauricette,
        body="Avant mon départ.",
        scheduled_at=(leaving - timedelta(days=1)).isoformat(),
    )
    after = await cast.post(
        cast.mauricette,
        body="Après mon départ.",
        scheduled_at=(leaving + timedelta(hours=1)).isoformat(),
    )
    gone = await cast.ok(
        "POST",
        f"/people/{cast.mauricette_id}/leave",
        cast.owner,
        {"effective_at": leaving.isoformat()},
    )
    assert gone["held_post_ids"] == [after["id"]]
    assert (await cast.ok("GET", f"/posts/{before['id']}", cast.owner))["status"] == "scheduled"
    # She still works until then, but cannot schedule for after.
    await cast.ok("GET", "/people/me", cast.mauricette)
    refused(
        await cast.call(
            "POST",
            "/posts",
            cast.mauricette,
            {
                "client_id": cast.client_id,
                "channel_ids": [cast.channels["local_blog"]],
                "body": "x" * 30,
                "scheduled_at": (leaving + timedelta(minutes=1)).isoformat(),
            },
        ),
        403,
        "author_left",
    )
    cast.clock.move_to(leaving - timedelta(days=1))
    await cast.settle()
    assert (await cast.ok("GET", f"/posts/{before['id']}", cast.owner))["status"] == "published"
    cast.clock.move_to(leaving + timedelta(hours=2))
    await cast.settle()
    refused(await cast.call("GET", "/people/me", cast.mauricette), 401, "account_inactive")
    assert "Après mon départ." not in (await cast.http.get(f"/blog/{cast.slug}")).text


async def test_a_departure_across_time_zones_needs_an_offset(make_cast: CastFactory) -> None:
    cast = await make_cast(kinds=("local_blog",))
    await _second_client(cast, "Boulangerie de Montréal", timezone="America/Montreal")
    local = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT09:00")
    refused(
        await cast.call(
            "POST", f"/people/{cast.mauricette_id}/leave", cast.owner, {"effective_at": local}
        ),
        422,
        "effective_at_needs_offset",
        "effective_at",
        says="America/Montreal",
    )
    done = await cast.ok(
        "POST",
        f"/people/{cast.mauricette_id}/leave",
        cast.owner,
        {"effective_at": local + ":00+01:00"},
    )
    assert done["active"] is True  # not gone yet
