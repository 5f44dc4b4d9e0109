"""The error tree: every refusal is an AppError with a stable code, a status and a bilingual message.

API responses are `{"error": {"code", "message", "field"}}`; web pages render the same message.
Messages say what is wrong and how to fix it, in the caller's language (Accept-Language, fr or en).
Each message is written here in English, marked with `N_` so that Babel extracts it; its French
lives in app/locales/fr/LC_MESSAGES/messages.po with the templates' strings (one catalogue).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.kit import logs
from app.kit.i18n import N_, negotiate, translations
from app.kit.validation_messages import describe


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    en: str
    """The English message, a `str.format` template; it is also the gettext msgid."""


CATALOGUE: dict[str, ErrorSpec] = {
    "unauthenticated": ErrorSpec(
        401,
        N_(
            "Send an API token in the header “Authorization: Bearer <token>”. "
            "Create one with “byline tokens create --email …” or POST /api/v1/tokens."
        ),
    ),
    "invalid_token": ErrorSpec(
        401,
        N_(
            "This API token is unknown or was revoked. Create a new one and send it as "
            "“Authorization: Bearer <token>”."
        ),
    ),
    "account_inactive": ErrorSpec(
        401,
        N_(
            "This account has left the organisation and can no longer act. Ask an owner if this "
            "is a mistake."
        ),
    ),
    "forbidden_role": ErrorSpec(
        403, N_("Only an owner or a manager can do this. Ask one of them.")
    ),
    "owner_only": ErrorSpec(
        403,
        N_(
            "Only an owner can do this: give or change a role, or change, withdraw the attestation "
            "of or mark as leaving an owner or a manager (a manager does it for community managers). "
            "Ask an owner."
        ),
    ),
    "not_found": ErrorSpec(
        404,
        N_(
            "No {thing} with this id in your organisation. Check the id (list them with GET {hint})."
        ),
    ),
    "route_not_found": ErrorSpec(
        404, N_("There is no such address. The API lives under /api/v1; see /docs.")
    ),
    "method_not_allowed": ErrorSpec(
        405, N_("This address does not accept {method}. See /docs for what it accepts.")
    ),
    "invalid_json": ErrorSpec(
        400,
        N_(
            "The request body is not valid JSON ({detail}). Send a JSON object with "
            "“Content-Type: application/json”."
        ),
    ),
    "unknown_field": ErrorSpec(
        422, N_("Remove the field “{field}”: this request does not accept it.")
    ),
    "field_required": ErrorSpec(422, N_("Add the field “{field}”: it is required.")),
    "invalid_field": ErrorSpec(422, N_("Check the field “{field}”: {detail}.")),
    "email_taken": ErrorSpec(
        409,
        N_(
            "Someone already uses this e-mail address. Use another address, or find that person "
            "with GET /api/v1/people."
        ),
    ),
    "name_refused": ErrorSpec(422, N_("{detail}")),
    "attest_self": ErrorSpec(
        403, N_("Nobody can vouch for their own name. Ask another owner or manager to attest it.")
    ),
    "attest_needs_confirm": ErrorSpec(
        422,
        N_(
            "{detail} If you have checked that it is this person's real name, attest again with "
            '"confirm": true.'
        ),
    ),
    "attest_name_refused": ErrorSpec(422, N_("This name cannot sign as it is written: {detail}")),
    "slug_taken": ErrorSpec(
        409, N_("The address name “{slug}” is already used by another client. Choose another slug.")
    ),
    "invalid_timezone": ErrorSpec(
        422, N_("“{value}” is not a time zone name. Use an IANA name such as “Europe/Paris”.")
    ),
    "engagement_exists": ErrorSpec(
        409,
        N_("This person already has an open engagement with this client (status: {status_word})."),
    ),
    "engagement_not_pending": ErrorSpec(
        409,
        N_(
            "This engagement is {status_word}, so it can no longer be accepted or declined. Ask for a "
            "new proposal if needed."
        ),
    ),
    "not_your_engagement": ErrorSpec(
        403, N_("Only the person this engagement is proposed to can accept or decline it.")
    ),
    "engagement_already_ended": ErrorSpec(409, N_("This engagement has already ended.")),
    "unknown_channel_kind": ErrorSpec(
        422, N_("There is no channel kind “{kind}”. Use one of: {kinds}.")
    ),
    "invalid_channel_config": ErrorSpec(
        422, N_("The {part} of this {kind} channel is not right: {detail}.")
    ),
    "destination_not_public": ErrorSpec(
        422,
        N_(
            "Byline does not send requests to {host}: it is not a public internet address, or its "
            "name leads to one (this machine, a private or link-local network, a cloud metadata "
            "service…). Give the site's public address. If the site really is on your own "
            "network, the operator can allow that network with BYLINE_ALLOW_PRIVATE_DESTINATIONS "
            "(e.g. 192.168.1.0/24); then save the channel again."
        ),
    ),
    "destination_unresolved": ErrorSpec(
        422,
        N_(
            "The name {host} does not resolve from this Byline: no address answers for it. Check "
            "the spelling of the address; for a new site, try again once its DNS is published."
        ),
    ),
    "channel_exists": ErrorSpec(
        409, N_("This client already has a built-in blog channel; each client has one blog.")
    ),
    "channel_not_of_client": ErrorSpec(
        422,
        N_(
            "Channel {channel_id} does not belong to this client. Use the ids listed by "
            "GET /api/v1/clients/{client_id}/channels."
        ),
    ),
    "author_not_attested": ErrorSpec(
        403,
        N_(
            "Your name has not been attested yet, so you cannot sign posts. Ask an owner or a "
            "manager of your organisation to attest it."
        ),
    ),
    "no_engagement": ErrorSpec(
        403,
        N_(
            "You do not speak for {client}: you need an accepted engagement with this client. "
            "Ask an owner or a manager to propose one, then accept it."
        ),
    ),
    "author_left": ErrorSpec(
        403,
        N_(
            "{name} has left the organisation, and nothing is published under the name of someone "
            "who is gone. Cancel this post, or have a current member write it."
        ),
    ),
    "person_already_left": ErrorSpec(409, N_("This person has already left the organisation.")),
    "cannot_leave_self": ErrorSpec(
        403, N_("You cannot mark yourself as gone. Ask another owner or manager.")
    ),
    "not_yourself": ErrorSpec(
        403, N_("You can change only your own profile, unless you are an owner or a manager.")
    ),
    "signature_intro_invalid": ErrorSpec(
        422,
        N_(
            "The signature wording is a short lead-in such as “Written by”; it cannot contain line "
            "breaks or braces, and the author's name and role are always added after it."
        ),
    ),
    "signature_mismatch": ErrorSpec(
        409,
        N_(
            "This post's stored text or signature no longer matches what its author signed, so it "
            "was not sent. Ask the author to check it and save it again."
        ),
    ),
    "body_empty": ErrorSpec(422, N_("Write something in the body: a post cannot be empty.")),
    "body_too_long": ErrorSpec(
        422,
        N_(
            "The body is {length} characters long; {limit} can carry at most {maximum}. Shorten it."
        ),
    ),
    "scheduled_at_invalid": ErrorSpec(
        422,
        N_(
            "“{value}” is not a date and time. Use ISO 8601, e.g. “2026-12-01T09:30:00+01:00”, "
            "or leave it out to publish now."
        ),
    ),
    "scheduled_at_in_past": ErrorSpec(
        422,
        N_(
            "This time ({value}) is in the past. Choose a time in the future, or leave it out to "
            "publish now."
        ),
    ),
    "scheduled_at_nonexistent": ErrorSpec(
        422,
        N_(
            "{value} does not exist in {zone} (the clocks jump forward then). Choose another time "
            "or give an explicit offset."
        ),
    ),
    "bulk_refused": ErrorSpec(
        422,
        N_(
            "{count} of the {total} posts cannot be created, so none was. Fix each one listed in "
            "“items” (its index in “posts”, and why), then send them all again."
        ),
    ),
    "post_not_editable": ErrorSpec(
        409, N_("This post can no longer be changed: it is {status_word}.")
    ),
    "post_out_remove_instead": ErrorSpec(
        409,
        N_(
            "This post already went out: nothing is left to cancel. To take it down from a "
            "channel, use POST /api/v1/deliveries/{{delivery_id}}/remove for that channel's "
            "delivery (GET /api/v1/posts/{id} lists them), or “Remove from …” on the post's page."
        ),
    ),
    "delivery_not_waiting": ErrorSpec(
        409,
        N_(
            "This delivery is {status_word}, not waiting for a check: only a delivery that needs "
            "attention can be confirmed as published or published again."
        ),
    ),
    "post_published_fields": ErrorSpec(
        409,
        N_(
            "This post already went out: only its title, text and link can still change (each "
            "channel that allows it is updated). Leave out scheduled_at and channel_ids; to take "
            "it down, use POST /api/v1/deliveries/{{id}}/remove."
        ),
    ),
    "delivery_not_published": ErrorSpec(
        409,
        N_(
            "This delivery is {status_word}: only a post published on its channel can be updated,"
            " removed or re-synced there."
        ),
    ),
    "channel_cannot_update": ErrorSpec(
        409,
        N_(
            "The channel “{channel}” cannot change a post once published: edit it on the channel "
            "itself."
        ),
    ),
    "channel_cannot_remove": ErrorSpec(
        409,
        N_(
            "The channel “{channel}” cannot take posts down through Byline: remove it on the "
            "channel itself, then re-sync the delivery."
        ),
    ),
    "channel_cannot_resync": ErrorSpec(
        409,
        N_(
            "The channel “{channel}” cannot say whether a post is still there: look on the "
            "channel itself."
        ),
    ),
    "channel_call_failed": ErrorSpec(
        502,
        N_(
            "The channel “{channel}” did not do it: {detail}. Nothing changed in Byline; try "
            "again later (reconnect the channel first if it refused its credentials)."
        ),
    ),
    "no_revision_owed": ErrorSpec(
        409,
        N_(
            "This channel already shows the post as it is now: there is no update to send. Edit "
            "the post (PATCH /api/v1/posts/{{id}}) to change it."
        ),
    ),
    "article_withdrawn": ErrorSpec(
        410,
        N_("{client} withdrew this article: it is no longer published. Its blog shows what is."),
    ),
    "not_post_author": ErrorSpec(
        403,
        N_("Only the author can change what a post says: nobody writes under someone else's name."),
    ),
    "login_failed": ErrorSpec(
        401, N_("The e-mail address or the password is not right. Check both and try again.")
    ),
    "already_set_up": ErrorSpec(409, N_("Byline is already set up. Log in instead.")),
    "metrics_token": ErrorSpec(
        401, N_("Send the metrics token (BYLINE_METRICS_TOKEN) as “Authorization: Bearer <token>”.")
    ),
    "not_ready": ErrorSpec(503, N_("Byline is not ready: {detail}.")),
    "engagement_not_started": ErrorSpec(
        403,
        N_(
            "You speak for {client} from {starts} (the handover takes effect then): schedule this "
            "post from that time on."
        ),
    ),
    "engagement_over": ErrorSpec(
        403,
        N_(
            "Your engagement with {client} ends on {ends} (the client is handed over then): a post "
            "for this client must go out before that time."
        ),
    ),
    "effective_at_invalid": ErrorSpec(
        422,
        N_(
            "“{value}” is not a date and time. Use ISO 8601, e.g. “2027-01-15T09:00:00+01:00”, or "
            "a local time such as “2027-01-15T09:00” (read in the client's zone)."
        ),
    ),
    "effective_at_in_past": ErrorSpec(
        422, N_("This time ({value}) is in the past. Choose a moment to come.")
    ),
    "effective_at_nonexistent": ErrorSpec(
        422,
        N_(
            "{value} does not exist in {zone} (the clocks jump forward then). Choose another time "
            "or give an explicit offset."
        ),
    ),
    "effective_at_ambiguous": ErrorSpec(
        422,
        N_(
            "{value} happens twice in {zone} (the clocks go back then): it could be {first} or "
            "{second}. Give the offset you mean, or choose another time."
        ),
    ),
    "handover_same_person": ErrorSpec(
        422,
        N_(
            "The person taking over must be someone else than the person handing over. Choose "
            "another incoming person."
        ),
    ),
    "handover_outgoing_not_engaged": ErrorSpec(
        422,
        N_(
            "{name} does not speak for {client} (no accepted engagement), so there is nothing to "
            "hand over. Check the outgoing person, or propose an engagement to the new CM instead."
        ),
    ),
    "handover_incoming_not_attested": ErrorSpec(
        422,
        N_(
            "{name}'s name is not attested yet, and nobody speaks for a client under a name that is "
            "not. Have an owner or a manager attest it (POST /api/v1/people/{{id}}/attest), then "
            "propose the handover."
        ),
    ),
    "handover_person_left": ErrorSpec(
        422,
        N_(
            "{name} has left the organisation and cannot take a client over. Choose a current member."
        ),
    ),
    "handover_exists": ErrorSpec(
        409,
        N_(
            "{client} is already being handed over by {name} (handover {id}, {status_word}). "
            "Cancel that one first (POST /api/v1/handovers/{id}/cancel), or wait for it."
        ),
    ),
    "not_handover_incoming": ErrorSpec(
        403,
        N_(
            "Only {name}, who is to take over, can accept or decline this handover: a CM chooses "
            "the clients they speak for."
        ),
    ),
    "not_handover_outgoing": ErrorSpec(
        403,
        N_(
            "Only {name}, who hands over, can write the farewell: nobody says goodbye in someone "
            "else's name."
        ),
    ),
    "handover_not_pending": ErrorSpec(
        409, N_("This handover is {status_word}: it can no longer be accepted or declined.")
    ),
    "handover_not_cancellable": ErrorSpec(
        409,
        N_(
            "This handover is {status_word}: only a handover that has not taken effect can be "
            "cancelled."
        ),
    ),
    "handover_not_effective": ErrorSpec(
        409, N_("This handover is {status_word}: posts are taken over once it has taken effect.")
    ),
    "farewell_exists": ErrorSpec(
        409,
        N_(
            "You already wrote a farewell for this handover (post {post_id}). Change it with "
            "PATCH /api/v1/posts/{post_id}."
        ),
    ),
    "farewell_too_late": ErrorSpec(
        422,
        N_(
            "A farewell goes out before the handover takes effect ({effective}). Choose an earlier "
            "time."
        ),
    ),
    "farewell_closed": ErrorSpec(
        409,
        N_(
            "This handover is {status_word}: a farewell is written while it is proposed or "
            "accepted, before it takes effect."
        ),
    ),
    "not_held_by_handover": ErrorSpec(
        409,
        N_(
            "Post {post_id} is not one this handover held. Take over only the posts listed in "
            "“held_posts” of GET /api/v1/handovers/{id}."
        ),
    ),
    "handover_wording_invalid": ErrorSpec(
        422,
        N_(
            "The announcement wording may use {{outgoing}}, {{incoming}}, {{incoming_role}} and "
            "{{client}}, and must name both {{outgoing}} and {{incoming}}: {detail}"
        ),
    ),
    "effective_at_needs_offset": ErrorSpec(
        422,
        N_(
            "{name} speaks for clients in different time zones ({zones}), so “{value}” could mean "
            "several moments. Give an offset, e.g. “2027-01-15T09:00:00+01:00”."
        ),
    ),
    "successor_duplicate": ErrorSpec(
        422,
        N_(
            "Client {client_id} is named twice in “successors”: a client passes to one person. "
            "Keep one line per client."
        ),
    ),
    # Sessions, sign-ins and requests refused before they reach an endpoint (issue 9).
    "login_throttled": ErrorSpec(
        429,
        N_(
            "Too many failed sign-ins for this account or from this address. Wait {wait} and try "
            "again. Forgot your password? Ask an owner or a manager to set a new one."
        ),
    ),
    "sessions_owner_only": ErrorSpec(
        403,
        N_("Only an owner can see or end someone else's sessions. You can see and end your own."),
    ),
    "csrf_failed": ErrorSpec(
        403,
        N_("This form has expired or did not come from Byline. Reload the page and send it again."),
    ),
    "invalid_form": ErrorSpec(
        400, N_("The form could not be read. Reload the page and send it again from there.")
    ),
    "invalid_cookie": ErrorSpec(
        400,
        N_(
            "Your browser sent a cookie Byline cannot read. Delete this site's cookies, then reload "
            "the page."
        ),
    ),
    "body_too_large": ErrorSpec(
        413,
        N_(
            "The request is larger than {limit}. Send less at once (for example fewer posts per "
            "bulk request), or ask the administrator to raise BYLINE_MAX_BODY_SIZE."
        ),
    ),
    # -- who may change whom (issue 9): the roles table of README.md ---------------------------
    "rename_self": ErrorSpec(
        403,
        N_(
            "Nobody changes their own signing name: it must be attested again, by someone else. Ask "
            "an owner or a manager to change it; they can then attest the new name."
        ),
    ),
    "withdraw_self": ErrorSpec(
        403,
        N_(
            "You cannot withdraw your own attestation. If it vouches for a wrong name, ask another "
            "owner or manager: they can correct the name and attest it again."
        ),
    ),
    "last_owner": ErrorSpec(
        409,
        N_(
            "{name} is the organisation's last owner, and an organisation always keeps one. Make "
            'someone else an owner first (PATCH /api/v1/people/{{id}} with "role": "owner").'
        ),
    ),
    # -- new passwords (issue 9, NIST SP 800-63B): app/kit/passwords.py -------------------------
    "password_too_short": ErrorSpec(
        422,
        N_(
            "This password has {length} characters; it needs at least {minimum}. A few unrelated "
            "words make a password long enough and easy to remember."
        ),
    ),
    "password_too_long": ErrorSpec(
        422,
        N_(
            "This password has {length} characters; at most {maximum} are accepted. Choose a "
            "shorter one."
        ),
    ),
    "password_too_common": ErrorSpec(
        422,
        N_(
            "This password is one of the most common passwords or words, perhaps with a few digits "
            "or symbols added, and would be among the first tried. Choose another, such as a few "
            "unrelated words of your own."
        ),
    ),
    "password_repetitive": ErrorSpec(
        422,
        N_(
            "This password is made of repeated characters, sequences, keyboard rows or dates (like "
            "“aaaa”, “abcabc”, “12345”, “qwerty”), which are guessed at once. Choose another, such "
            "as a few unrelated words."
        ),
    ),
    "password_contains_name": ErrorSpec(
        422,
        N_(
            "This password contains “{word}”, taken from your name, your e-mail address or the name "
            "Byline: such words are tried first. Choose a password without it."
        ),
    ),
    # Hostile input (issue 9): what neither database can keep is refused before anything is
    # written, with the same code on SQLite and PostgreSQL.
    "text_has_nul": ErrorSpec(
        422,
        N_(
            "Remove the NUL character (\\u0000) from “{field}”: no text Byline keeps can contain it."
        ),
    ),
    "time_out_of_range": ErrorSpec(
        422,
        N_(
            "“{value}” is outside the times Byline keeps: give a time whose date in UTC falls between "
            "the years 1 and 9998."
        ),
    ),
    "internal_error": ErrorSpec(
        500,
        N_(
            "Something went wrong on our side; nothing was changed. Try again, and tell your "
            "administrator if it persists."
        ),
    ),
}


class AppError(Exception):
    """A refusal the caller can fix. `params` fill the message template of `code`."""

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        status: int | None = None,
        items: list[tuple[int, "AppError"]] | None = None,
        headers: dict[str, str] | None = None,
        **params: Any,
    ) -> None:
        spec = CATALOGUE[code]
        self.code = code
        self.field = field
        self.status = status or spec.status
        self.params = params
        self.items = items or []
        """Per-item refusals of a batch (bulk_refused): (index, why)."""
        self.headers = headers or {}
        """Sent with the refusal (Retry-After)."""
        super().__init__(code)

    def message(self, locale: str) -> str:
        template = translations(locale).gettext(CATALOGUE[self.code].en)
        localized = {
            key: (value.get(locale, value.get("en")) if isinstance(value, dict) else value)
            for key, value in self.params.items()
        }
        return template.format(field=self.field, **localized)

    def payload(self, locale: str) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.code,
            "message": self.message(locale),
            "field": self.field,
        }
        if self.items:
            error["items"] = [
                {"index": index, **item.payload(locale)["error"]} for index, item in self.items
            ]
        return {"error": error}


def not_found(thing_en: str, thing_fr: str, hint: str, *, field: str | None = None) -> AppError:
    return AppError("not_found", field=field, thing={"en": thing_en, "fr": thing_fr}, hint=hint)


def request_locale(request: Request) -> str:
    return negotiate(request.headers.get("accept-language"))


def _field_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "channel_ids", 0) → "channel_ids.0"; only the leading request part is dropped,
    so a field that happens to be called "path" or "query" keeps its name."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_to_app_error(exc: RequestValidationError) -> AppError:
    """Report the first problem in terms a caller can act on."""
    first = exc.errors()[0]
    kind = first.get("type", "")
    field = _field_path(first.get("loc", ()))
    if kind == "json_invalid":
        detail = first.get("ctx", {}).get("error", "malformed")
        return AppError("invalid_json", detail=str(detail))
    if kind == "extra_forbidden":
        return AppError("unknown_field", field=field)
    if kind == "missing":
        return AppError("field_required", field=field)
    if kind in ("model_attributes_type", "dict_type") and field == "body":
        return AppError("invalid_json", detail="expected a JSON object")
    if kind == "time_out_of_range":
        return AppError("time_out_of_range", field=field, value=str(first.get("input")))
    return AppError("invalid_field", field=field, detail=describe(dict(first)))


def _unreadable(cause: BaseException | None) -> dict[str, str]:
    if isinstance(cause, UnicodeDecodeError):
        return {"en": "it is not UTF-8 text", "fr": "ce n'est pas du texte UTF-8"}
    if isinstance(cause, RecursionError):
        return {"en": "it is nested too deeply", "fr": "il est imbriqué trop profondément"}
    return {"en": "it cannot be read", "fr": "il est illisible"}


HtmlRenderer = Callable[[Request, AppError], Response | None]


def install_error_handlers(app: FastAPI, *, render_html: HtmlRenderer) -> None:
    """JSON errors for the API; `render_html` answers web pages (it returns None for the API)."""

    async def app_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AppError)
        page = render_html(request, exc)
        if page is None:
            page = JSONResponse(exc.payload(request_locale(request)), status_code=exc.status)
        page.headers.update(exc.headers)
        return page

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return await app_error(request, validation_to_app_error(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 404:
            error = AppError("route_not_found")
        elif exc.status_code == 400:
            # FastAPI's word for a JSON body it could not read at all (not UTF-8, nested past
            # the parser's depth): the cause says which.
            error = AppError("invalid_json", detail=_unreadable(exc.__cause__))
        elif exc.status_code == 405:
            error = AppError("method_not_allowed", method=request.method)
        else:
            error = AppError("internal_error", status=exc.status_code)
        return await app_error(request, error)

    async def unexpected_error(request: Request, exc: Exception) -> Response:
        response = await app_error(request, AppError("internal_error"))
        current = logs.request_id.get()
        if current:  # outside the request-id middleware, which could not add it
            response.headers["X-Request-ID"] = current
        return response

    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
