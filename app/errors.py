"""The error tree: every refusal is an AppError with a stable code, a status and a bilingual message.

API responses are `{"error": {"code", "message", "field"}}`; web pages render the same message.
Messages say what is wrong and how to fix it, in the caller's language (Accept-Language, fr or en).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.kit import logs
from app.kit.i18n import negotiate
from app.kit.validation_messages import describe


@dataclass(frozen=True)
class ErrorSpec:
    status: int
    en: str
    fr: str


CATALOGUE: dict[str, ErrorSpec] = {
    "unauthenticated": ErrorSpec(
        401,
        "Send an API token in the header “Authorization: Bearer <token>”. "
        "Create one with “byline tokens create --email …” or POST /api/v1/tokens.",
        "Envoyez un jeton d'API dans l'en-tête « Authorization: Bearer <jeton> ». "
        "Créez-en un avec « byline tokens create --email … » ou POST /api/v1/tokens.",
    ),
    "invalid_token": ErrorSpec(
        401,
        "This API token is unknown or was revoked. Create a new one and send it as "
        "“Authorization: Bearer <token>”.",
        "Ce jeton d'API est inconnu ou a été révoqué. Créez-en un nouveau et envoyez-le dans "
        "« Authorization: Bearer <jeton> ».",
    ),
    "account_inactive": ErrorSpec(
        401,
        "This account has left the organisation and can no longer act. Ask an owner if this "
        "is a mistake.",
        "Ce compte a quitté l'organisation et ne peut plus agir. Adressez-vous à un "
        "propriétaire s'il s'agit d'une erreur.",
    ),
    "forbidden_role": ErrorSpec(
        403,
        "Only an owner or a manager can do this. Ask one of them.",
        "Seul un propriétaire ou un responsable peut faire cela. Demandez-le à l'un d'eux.",
    ),
    "owner_only": ErrorSpec(
        403,
        "Only an owner can do this: give or change a role, or change, withdraw the attestation "
        "of or mark as leaving an owner or a manager (a manager does it for community managers). "
        "Ask an owner.",
        "Seul un propriétaire peut faire cela : donner ou changer un rôle, ou modifier, retirer "
        "l'attestation ou déclarer le départ d'un propriétaire ou d'un responsable (un "
        "responsable le fait pour les community managers). Demandez-le à un propriétaire.",
    ),
    "not_found": ErrorSpec(
        404,
        "No {thing} with this id in your organisation. Check the id (list them with GET {hint}).",
        "Aucun·e {thing} avec cet identifiant dans votre organisation. Vérifiez l'identifiant "
        "(liste : GET {hint}).",
    ),
    "route_not_found": ErrorSpec(
        404,
        "There is no such address. The API lives under /api/v1; see /docs.",
        "Cette adresse n'existe pas. L'API est sous /api/v1 ; voir /docs.",
    ),
    "method_not_allowed": ErrorSpec(
        405,
        "This address does not accept {method}. See /docs for what it accepts.",
        "Cette adresse n'accepte pas {method}. Voir /docs pour ce qu'elle accepte.",
    ),
    "invalid_json": ErrorSpec(
        400,
        "The request body is not valid JSON ({detail}). Send a JSON object with "
        "“Content-Type: application/json”.",
        "Le corps de la requête n'est pas du JSON valide ({detail}). Envoyez un objet JSON avec "
        "« Content-Type: application/json ».",
    ),
    "unknown_field": ErrorSpec(
        422,
        "Remove the field “{field}”: this request does not accept it.",
        "Retirez le champ « {field} » : cette requête ne l'accepte pas.",
    ),
    "field_required": ErrorSpec(
        422,
        "Add the field “{field}”: it is required.",
        "Ajoutez le champ « {field} » : il est obligatoire.",
    ),
    "invalid_field": ErrorSpec(
        422,
        "Check the field “{field}”: {detail}.",
        "Vérifiez le champ « {field} » : {detail}.",
    ),
    "email_taken": ErrorSpec(
        409,
        "Someone already uses this e-mail address. Use another address, or find that person "
        "with GET /api/v1/people.",
        "Cette adresse e-mail est déjà utilisée. Choisissez-en une autre, ou retrouvez cette "
        "personne avec GET /api/v1/people.",
    ),
    "name_refused": ErrorSpec(422, "{detail}", "{detail}"),
    "attest_self": ErrorSpec(
        403,
        "Nobody can vouch for their own name. Ask another owner or manager to attest it.",
        "Personne ne peut se porter garant de son propre nom. Demandez à un autre "
        "propriétaire ou responsable de l'attester.",
    ),
    "attest_needs_confirm": ErrorSpec(
        422,
        "{detail} If you have checked that it is this person's real name, attest again with "
        '"confirm": true.',
        "{detail} Si vous avez vérifié qu'il s'agit bien du vrai nom de cette personne, "
        'attestez de nouveau avec "confirm": true.',
    ),
    "attest_name_refused": ErrorSpec(
        422,
        "This name cannot sign as it is written: {detail}",
        "Ce nom ne peut pas signer tel qu'il est écrit : {detail}",
    ),
    "slug_taken": ErrorSpec(
        409,
        "The address name “{slug}” is already used by another client. Choose another slug.",
        "Le nom d'adresse « {slug} » est déjà pris par un autre client. Choisissez-en un autre.",
    ),
    "invalid_timezone": ErrorSpec(
        422,
        "“{value}” is not a time zone name. Use an IANA name such as “Europe/Paris”.",
        "« {value} » n'est pas un nom de fuseau horaire. Utilisez un nom IANA comme "
        "« Europe/Paris ».",
    ),
    "engagement_exists": ErrorSpec(
        409,
        "This person already has an open engagement with this client (status: {status_word}).",
        "Cette personne a déjà un engagement en cours avec ce client (statut : {status_word}).",
    ),
    "engagement_not_pending": ErrorSpec(
        409,
        "This engagement is {status_word}, so it can no longer be accepted or declined. Ask for a "
        "new proposal if needed.",
        "Cet engagement est {status_word} : il ne peut plus être accepté ni refusé. Demandez une "
        "nouvelle proposition si besoin.",
    ),
    "not_your_engagement": ErrorSpec(
        403,
        "Only the person this engagement is proposed to can accept or decline it.",
        "Seule la personne à qui cet engagement est proposé peut l'accepter ou le refuser.",
    ),
    "engagement_already_ended": ErrorSpec(
        409,
        "This engagement has already ended.",
        "Cet engagement est déjà terminé.",
    ),
    "unknown_channel_kind": ErrorSpec(
        422,
        "There is no channel kind “{kind}”. Use one of: {kinds}.",
        "Le type de canal « {kind} » n'existe pas. Utilisez l'un de : {kinds}.",
    ),
    "invalid_channel_config": ErrorSpec(
        422,
        "The {part} of this {kind} channel is not right: {detail}.",
        "La partie {part} de ce canal {kind} ne convient pas : {detail}.",
    ),
    "destination_not_public": ErrorSpec(
        422,
        "Byline does not send requests to {host}: it is not a public internet address, or its "
        "name leads to one (this machine, a private or link-local network, a cloud metadata "
        "service…). Give the site's public address. If the site really is on your own "
        "network, the operator can allow that network with BYLINE_ALLOW_PRIVATE_DESTINATIONS "
        "(e.g. 192.168.1.0/24); then save the channel again.",
        "Byline n'envoie pas de requêtes à {host} : ce n'est pas une adresse publique "
        "d'Internet, ou son nom mène à une telle adresse (cette machine, un réseau privé ou "
        "local au lien, un service de métadonnées d'hébergeur…). Donnez l'adresse publique du "
        "site. Si le site est bien sur votre propre réseau, l'administrateur peut autoriser ce "
        "réseau avec BYLINE_ALLOW_PRIVATE_DESTINATIONS (par exemple 192.168.1.0/24) ; "
        "enregistrez ensuite le canal de nouveau.",
    ),
    "destination_unresolved": ErrorSpec(
        422,
        "The name {host} does not resolve from this Byline: no address answers for it. Check "
        "the spelling of the address; for a new site, try again once its DNS is published.",
        "Le nom {host} ne se résout pas depuis ce Byline : aucune adresse ne lui répond. "
        "Vérifiez l'orthographe de l'adresse ; pour un nouveau site, réessayez une fois son DNS "
        "publié.",
    ),
    "channel_exists": ErrorSpec(
        409,
        "This client already has a built-in blog channel; each client has one blog.",
        "Ce client a déjà un canal de blog intégré ; chaque client a un seul blog.",
    ),
    "channel_not_of_client": ErrorSpec(
        422,
        "Channel {channel_id} does not belong to this client. Use the ids listed by "
        "GET /api/v1/clients/{client_id}/channels.",
        "Le canal {channel_id} n'appartient pas à ce client. Utilisez les identifiants listés "
        "par GET /api/v1/clients/{client_id}/channels.",
    ),
    "author_not_attested": ErrorSpec(
        403,
        "Your name has not been attested yet, so you cannot sign posts. Ask an owner or a "
        "manager of your organisation to attest it.",
        "Votre nom n'a pas encore été attesté : vous ne pouvez pas signer de publication. "
        "Demandez à un propriétaire ou à un responsable de votre organisation de l'attester.",
    ),
    "no_engagement": ErrorSpec(
        403,
        "You do not speak for {client}: you need an accepted engagement with this client. "
        "Ask an owner or a manager to propose one, then accept it.",
        "Vous ne parlez pas pour {client} : il faut un engagement accepté avec ce client. "
        "Demandez à un propriétaire ou à un responsable de vous le proposer, puis acceptez-le.",
    ),
    "author_left": ErrorSpec(
        403,
        "{name} has left the organisation, and nothing is published under the name of someone "
        "who is gone. Cancel this post, or have a current member write it.",
        "{name} a quitté l'organisation, et rien n'est publié sous le nom de quelqu'un qui est "
        "parti. Annulez cette publication, ou faites-la écrire par un membre actuel.",
    ),
    "person_already_left": ErrorSpec(
        409,
        "This person has already left the organisation.",
        "Cette personne a déjà quitté l'organisation.",
    ),
    "cannot_leave_self": ErrorSpec(
        403,
        "You cannot mark yourself as gone. Ask another owner or manager.",
        "Vous ne pouvez pas vous déclarer parti·e vous-même. Demandez-le à un autre "
        "propriétaire ou responsable.",
    ),
    "not_yourself": ErrorSpec(
        403,
        "You can change only your own profile, unless you are an owner or a manager.",
        "Vous ne pouvez modifier que votre propre profil, sauf si vous êtes propriétaire ou "
        "responsable.",
    ),
    "signature_intro_invalid": ErrorSpec(
        422,
        "The signature wording is a short lead-in such as “Written by”; it cannot contain line "
        "breaks or braces, and the author's name and role are always added after it.",
        "La formule de signature est une courte introduction comme « Écrit par » ; elle ne peut "
        "contenir ni saut de ligne ni accolade, et le nom et la fonction de l'auteur·ice sont "
        "toujours ajoutés après.",
    ),
    "signature_mismatch": ErrorSpec(
        409,
        "This post's stored text or signature no longer matches what its author signed, so it "
        "was not sent. Ask the author to check it and save it again.",
        "Le texte ou la signature enregistrés ne correspondent plus à ce que l'auteur·ice a "
        "signé : rien n'a été envoyé. Demandez-lui de vérifier et d'enregistrer de nouveau.",
    ),
    "body_empty": ErrorSpec(
        422,
        "Write something in the body: a post cannot be empty.",
        "Écrivez quelque chose dans le corps : une publication ne peut pas être vide.",
    ),
    "body_too_long": ErrorSpec(
        422,
        "The body is {length} characters long; {limit} can carry at most {maximum}. Shorten it.",
        "Le corps fait {length} caractères ; {limit} en accepte au plus {maximum}. "
        "Raccourcissez-le.",
    ),
    "scheduled_at_invalid": ErrorSpec(
        422,
        "“{value}” is not a date and time. Use ISO 8601, e.g. “2026-12-01T09:30:00+01:00”, "
        "or leave it out to publish now.",
        "« {value} » n'est pas une date et une heure. Utilisez le format ISO 8601, par exemple "
        "« 2026-12-01T09:30:00+01:00 », ou omettez-le pour publier maintenant.",
    ),
    "scheduled_at_in_past": ErrorSpec(
        422,
        "This time ({value}) is in the past. Choose a time in the future, or leave it out to "
        "publish now.",
        "Cette heure ({value}) est passée. Choisissez une heure à venir, ou omettez-la pour "
        "publier maintenant.",
    ),
    "scheduled_at_nonexistent": ErrorSpec(
        422,
        "{value} does not exist in {zone} (the clocks jump forward then). Choose another time "
        "or give an explicit offset.",
        "{value} n'existe pas dans le fuseau {zone} (changement d'heure). Choisissez une autre "
        "heure ou indiquez un décalage explicite.",
    ),
    "bulk_refused": ErrorSpec(
        422,
        "{count} of the {total} posts cannot be created, so none was. Fix each one listed in "
        "“items” (its index in “posts”, and why), then send them all again.",
        "{count} des {total} publications ne peuvent pas être créées : aucune ne l'a été. "
        "Corrigez chacune de celles listées dans « items » (son rang dans « posts », et "
        "pourquoi), puis renvoyez-les toutes.",
    ),
    "post_not_editable": ErrorSpec(
        409,
        "This post can no longer be changed: it is {status_word}.",
        "Cette publication ne peut plus être modifiée : elle est {status_word}.",
    ),
    "delivery_not_waiting": ErrorSpec(
        409,
        "This delivery is {status_word}, not waiting for a check: only a delivery that needs "
        "attention can be confirmed as published or published again.",
        "Cet envoi est {status_word} et n'attend pas de vérification : seul un envoi à vérifier "
        "peut être confirmé comme publié ou publié de nouveau.",
    ),
    "post_published_fields": ErrorSpec(
        409,
        "This post already went out: only its title, text and link can still change (each "
        "channel that allows it is updated). Leave out scheduled_at and channel_ids; to take it "
        "down, use POST /api/v1/deliveries/{{id}}/remove.",
        "Cette publication est déjà partie : seuls son titre, son texte et son lien peuvent "
        "encore changer (chaque canal qui le permet est mis à jour). Retirez scheduled_at et "
        "channel_ids ; pour la retirer d'un canal, utilisez POST "
        "/api/v1/deliveries/{{id}}/remove.",
    ),
    "delivery_not_published": ErrorSpec(
        409,
        "This delivery is {status_word}: only a post published on its channel can be updated, "
        "removed or re-synced there.",
        "Cet envoi est {status_word} : seule une publication parue sur son canal peut y être "
        "mise à jour, retirée ou resynchronisée.",
    ),
    "channel_cannot_update": ErrorSpec(
        409,
        "The channel “{channel}” cannot change a post once published: edit it on the channel "
        "itself.",
        "Le canal « {channel} » ne permet pas de modifier une publication déjà parue : "
        "modifiez-la directement sur le canal.",
    ),
    "channel_cannot_remove": ErrorSpec(
        409,
        "The channel “{channel}” cannot take posts down through Byline: remove it on the "
        "channel itself, then re-sync the delivery.",
        "Le canal « {channel} » ne permet pas de retirer une publication depuis Byline : "
        "retirez-la directement sur le canal, puis resynchronisez l'envoi.",
    ),
    "channel_cannot_resync": ErrorSpec(
        409,
        "The channel “{channel}” cannot say whether a post is still there: look on the channel "
        "itself.",
        "Le canal « {channel} » ne sait pas dire si une publication y est encore : "
        "vérifiez directement sur le canal.",
    ),
    "channel_call_failed": ErrorSpec(
        502,
        "The channel “{channel}” did not do it: {detail}. Nothing changed in Byline; try again "
        "later (reconnect the channel first if it refused its credentials).",
        "Le canal « {channel} » ne l'a pas fait : {detail}. Rien n'a changé dans Byline ; "
        "réessayez plus tard (reconnectez d'abord le canal s'il a refusé ses identifiants).",
    ),
    "no_revision_owed": ErrorSpec(
        409,
        "This channel already shows the post as it is now: there is no update to send. Edit "
        "the post (PATCH /api/v1/posts/{{id}}) to change it.",
        "Ce canal montre déjà la publication telle qu'elle est : il n'y a rien à mettre à "
        "jour. Modifiez la publication (PATCH /api/v1/posts/{{id}}) pour la changer.",
    ),
    "article_withdrawn": ErrorSpec(
        410,
        "{client} withdrew this article: it is no longer published. Its blog shows what is.",
        "{client} a retiré cet article : il n'est plus publié. Son blog montre ceux qui le "
        "sont.",
    ),
    "not_post_author": ErrorSpec(
        403,
        "Only the author can change what a post says: nobody writes under someone else's name.",
        "Seul·e l'auteur·ice peut modifier le texte d'une publication : personne n'écrit sous "
        "le nom d'un·e autre.",
    ),
    "login_failed": ErrorSpec(
        401,
        "The e-mail address or the password is not right. Check both and try again.",
        "L'adresse e-mail ou le mot de passe ne convient pas. Vérifiez-les et réessayez.",
    ),
    "already_set_up": ErrorSpec(
        409,
        "Byline is already set up. Log in instead.",
        "Byline est déjà configuré. Connectez-vous.",
    ),
    "metrics_token": ErrorSpec(
        401,
        "Send the metrics token (BYLINE_METRICS_TOKEN) as “Authorization: Bearer <token>”.",
        "Envoyez le jeton des métriques (BYLINE_METRICS_TOKEN) dans « Authorization: Bearer "
        "<jeton> ».",
    ),
    "not_ready": ErrorSpec(
        503,
        "Byline is not ready: {detail}.",
        "Byline n'est pas prêt : {detail}.",
    ),
    "engagement_not_started": ErrorSpec(
        403,
        "You speak for {client} from {starts} (the handover takes effect then): schedule this "
        "post from that time on.",
        "Vous parlez pour {client} à partir du {starts} (date d'effet de la passation) : "
        "programmez cette publication à partir de ce moment-là.",
    ),
    "engagement_over": ErrorSpec(
        403,
        "Your engagement with {client} ends on {ends} (the client is handed over then): a post "
        "for this client must go out before that time.",
        "Votre engagement avec {client} prend fin le {ends} (le client est passé à quelqu'un "
        "d'autre) : une publication pour ce client doit partir avant ce moment-là.",
    ),
    "effective_at_invalid": ErrorSpec(
        422,
        "“{value}” is not a date and time. Use ISO 8601, e.g. “2027-01-15T09:00:00+01:00”, or "
        "a local time such as “2027-01-15T09:00” (read in the client's zone).",
        "« {value} » n'est pas une date et une heure. Utilisez le format ISO 8601, par exemple "
        "« 2027-01-15T09:00:00+01:00 », ou une heure locale comme « 2027-01-15T09:00 » (lue "
        "dans le fuseau du client).",
    ),
    "effective_at_in_past": ErrorSpec(
        422,
        "This time ({value}) is in the past. Choose a moment to come.",
        "Cette heure ({value}) est passée. Choisissez un moment à venir.",
    ),
    "effective_at_nonexistent": ErrorSpec(
        422,
        "{value} does not exist in {zone} (the clocks jump forward then). Choose another time "
        "or give an explicit offset.",
        "{value} n'existe pas dans le fuseau {zone} (changement d'heure). Choisissez une autre "
        "heure ou indiquez un décalage explicite.",
    ),
    "effective_at_ambiguous": ErrorSpec(
        422,
        "{value} happens twice in {zone} (the clocks go back then): it could be {first} or "
        "{second}. Give the offset you mean, or choose another time.",
        "{value} existe deux fois dans le fuseau {zone} (on recule les horloges) : ce peut être "
        "{first} ou {second}. Indiquez le décalage voulu, ou choisissez une autre heure.",
    ),
    "handover_same_person": ErrorSpec(
        422,
        "The person taking over must be someone else than the person handing over. Choose "
        "another incoming person.",
        "La personne qui reprend doit être différente de celle qui passe le relais. Choisissez "
        "une autre personne.",
    ),
    "handover_outgoing_not_engaged": ErrorSpec(
        422,
        "{name} does not speak for {client} (no accepted engagement), so there is nothing to "
        "hand over. Check the outgoing person, or propose an engagement to the new CM instead.",
        "{name} ne parle pas pour {client} (aucun engagement accepté) : il n'y a rien à "
        "transmettre. Vérifiez la personne sortante, ou proposez plutôt un engagement à la "
        "nouvelle personne.",
    ),
    "handover_incoming_not_attested": ErrorSpec(
        422,
        "{name}'s name is not attested yet, and nobody speaks for a client under a name that is "
        "not. Have an owner or a manager attest it (POST /api/v1/people/{{id}}/attest), then "
        "propose the handover.",
        "Le nom de {name} n'est pas encore attesté, et personne ne parle pour un client sous un "
        "nom qui ne l'est pas. Faites-le attester par un propriétaire ou un responsable "
        "(POST /api/v1/people/{{id}}/attest), puis proposez la passation.",
    ),
    "handover_person_left": ErrorSpec(
        422,
        "{name} has left the organisation and cannot take a client over. Choose a current member.",
        "{name} a quitté l'organisation et ne peut pas reprendre de client. Choisissez un "
        "membre actuel.",
    ),
    "handover_exists": ErrorSpec(
        409,
        "{client} is already being handed over by {name} (handover {id}, {status_word}). "
        "Cancel that one first (POST /api/v1/handovers/{id}/cancel), or wait for it.",
        "{client} fait déjà l'objet d'une passation de {name} (passation {id}, "
        "{status_word}). Annulez-la d'abord (POST /api/v1/handovers/{id}/cancel), ou "
        "attendez-la.",
    ),
    "not_handover_incoming": ErrorSpec(
        403,
        "Only {name}, who is to take over, can accept or decline this handover: a CM chooses "
        "the clients they speak for.",
        "Seule la personne qui reprend ({name}) peut accepter ou refuser cette passation : "
        "chaque CM choisit les clients pour qui il ou elle parle.",
    ),
    "not_handover_outgoing": ErrorSpec(
        403,
        "Only {name}, who hands over, can write the farewell: nobody says goodbye in someone "
        "else's name.",
        "Seule la personne qui passe le relais ({name}) peut écrire le message d'au revoir : "
        "personne ne fait ses adieux au nom d'un·e autre.",
    ),
    "handover_not_pending": ErrorSpec(
        409,
        "This handover is {status_word}: it can no longer be accepted or declined.",
        "Cette passation est {status_word} : elle ne peut plus être acceptée ni refusée.",
    ),
    "handover_not_cancellable": ErrorSpec(
        409,
        "This handover is {status_word}: only a handover that has not taken effect can be "
        "cancelled.",
        "Cette passation est {status_word} : seule une passation qui n'a pas encore pris "
        "effet peut être annulée.",
    ),
    "handover_not_effective": ErrorSpec(
        409,
        "This handover is {status_word}: posts are taken over once it has taken effect.",
        "Cette passation est {status_word} : les publications se reprennent une fois qu'elle "
        "a pris effet.",
    ),
    "farewell_exists": ErrorSpec(
        409,
        "You already wrote a farewell for this handover (post {post_id}). Change it with "
        "PATCH /api/v1/posts/{post_id}.",
        "Vous avez déjà écrit un message d'au revoir pour cette passation (publication "
        "{post_id}). Modifiez-le avec PATCH /api/v1/posts/{post_id}.",
    ),
    "farewell_too_late": ErrorSpec(
        422,
        "A farewell goes out before the handover takes effect ({effective}). Choose an earlier "
        "time.",
        "Un message d'au revoir part avant la prise d'effet de la passation ({effective}). "
        "Choisissez une heure plus tôt.",
    ),
    "farewell_closed": ErrorSpec(
        409,
        "This handover is {status_word}: a farewell is written while it is proposed or "
        "accepted, before it takes effect.",
        "Cette passation est {status_word} : un message d'au revoir s'écrit tant qu'elle est "
        "proposée ou acceptée, avant sa prise d'effet.",
    ),
    "not_held_by_handover": ErrorSpec(
        409,
        "Post {post_id} is not one this handover held. Take over only the posts listed in "
        "“held_posts” of GET /api/v1/handovers/{id}.",
        "La publication {post_id} n'a pas été retenue par cette passation. Ne reprenez que les "
        "publications listées dans « held_posts » de GET /api/v1/handovers/{id}.",
    ),
    "handover_wording_invalid": ErrorSpec(
        422,
        "The announcement wording may use {{outgoing}}, {{incoming}}, {{incoming_role}} and "
        "{{client}}, and must name both {{outgoing}} and {{incoming}}: {detail}",
        "Le texte d'annonce peut utiliser {{outgoing}}, {{incoming}}, {{incoming_role}} et "
        "{{client}}, et doit nommer {{outgoing}} et {{incoming}} : {detail}",
    ),
    "effective_at_needs_offset": ErrorSpec(
        422,
        "{name} speaks for clients in different time zones ({zones}), so “{value}” could mean "
        "several moments. Give an offset, e.g. “2027-01-15T09:00:00+01:00”.",
        "{name} parle pour des clients de fuseaux différents ({zones}) : « {value} » pourrait "
        "désigner plusieurs moments. Indiquez un décalage, par exemple "
        "« 2027-01-15T09:00:00+01:00 ».",
    ),
    "successor_duplicate": ErrorSpec(
        422,
        "Client {client_id} is named twice in “successors”: a client passes to one person. "
        "Keep one line per client.",
        "Le client {client_id} figure deux fois dans « successors » : un client passe à une "
        "seule personne. Gardez une ligne par client.",
    ),
    # Sessions, sign-ins and requests refused before they reach an endpoint (issue 9).
    "login_throttled": ErrorSpec(
        429,
        "Too many failed sign-ins for this account or from this address. Wait {wait} and try "
        "again. Forgot your password? Ask an owner or a manager to set a new one.",
        "Trop d'échecs de connexion pour ce compte ou depuis cette adresse. Patientez "
        "{wait} puis réessayez. Mot de passe oublié ? Demandez à un propriétaire ou à un "
        "responsable de vous en définir un nouveau.",
    ),
    "sessions_owner_only": ErrorSpec(
        403,
        "Only an owner can see or end someone else's sessions. You can see and end your own.",
        "Seul un propriétaire peut voir ou fermer les sessions d'une autre personne. Vous "
        "pouvez voir et fermer les vôtres.",
    ),
    "csrf_failed": ErrorSpec(
        403,
        "This form has expired or did not come from Byline. Reload the page and send it again.",
        "Ce formulaire a expiré ou ne vient pas de Byline. Rechargez la page et renvoyez-le.",
    ),
    "invalid_form": ErrorSpec(
        400,
        "The form could not be read. Reload the page and send it again from there.",
        "Le formulaire n'a pas pu être lu. Rechargez la page et renvoyez-le depuis celle-ci.",
    ),
    "invalid_cookie": ErrorSpec(
        400,
        "Your browser sent a cookie Byline cannot read. Delete this site's cookies, then reload "
        "the page.",
        "Votre navigateur a envoyé un cookie que Byline ne sait pas lire. Supprimez les cookies "
        "de ce site, puis rechargez la page.",
    ),
    "body_too_large": ErrorSpec(
        413,
        "The request is larger than {limit}. Send less at once (for example fewer posts per "
        "bulk request), or ask the administrator to raise BYLINE_MAX_BODY_SIZE.",
        "La requête dépasse {limit}. Envoyez-en moins à la fois (par exemple moins de "
        "publications par envoi groupé), ou demandez à l'administrateur d'augmenter "
        "BYLINE_MAX_BODY_SIZE.",
    ),
    # -- who may change whom (issue 9): the roles table of README.md ---------------------------
    "rename_self": ErrorSpec(
        403,
        "Nobody changes their own signing name: it must be attested again, by someone else. Ask "
        "an owner or a manager to change it; they can then attest the new name.",
        "Personne ne modifie son propre nom de signature : il doit être attesté de nouveau, par "
        "quelqu'un d'autre. Demandez à un propriétaire ou à un responsable de le modifier ; il "
        "pourra ensuite attester le nouveau nom.",
    ),
    "withdraw_self": ErrorSpec(
        403,
        "You cannot withdraw your own attestation. If it vouches for a wrong name, ask another "
        "owner or manager: they can correct the name and attest it again.",
        "Vous ne pouvez pas retirer votre propre attestation. Si elle garantit un nom erroné, "
        "demandez à un autre propriétaire ou responsable : il peut corriger le nom et l'attester "
        "de nouveau.",
    ),
    "last_owner": ErrorSpec(
        409,
        "{name} is the organisation's last owner, and an organisation always keeps one. Make "
        'someone else an owner first (PATCH /api/v1/people/{{id}} with "role": "owner").',
        "{name} est le dernier propriétaire de l'organisation, qui en garde toujours un. Nommez "
        "d'abord quelqu'un d'autre propriétaire (PATCH /api/v1/people/{{id}} avec "
        '"role": "owner").',
    ),
    # -- new passwords (issue 9, NIST SP 800-63B): app/kit/passwords.py -------------------------
    "password_too_short": ErrorSpec(
        422,
        "This password has {length} characters; it needs at least {minimum}. A few unrelated "
        "words make a password long enough and easy to remember.",
        "Ce mot de passe a {length} caractères ; il en faut au moins {minimum}. Quelques mots "
        "sans rapport entre eux font un mot de passe assez long et facile à retenir.",
    ),
    "password_too_long": ErrorSpec(
        422,
        "This password has {length} characters; at most {maximum} are accepted. Choose a "
        "shorter one.",
        "Ce mot de passe a {length} caractères ; {maximum} au plus sont acceptés. Choisissez-en "
        "un plus court.",
    ),
    "password_too_common": ErrorSpec(
        422,
        "This password is one of the most common passwords or words, perhaps with a few digits "
        "or symbols added, and would be among the first tried. Choose another, such as a few "
        "unrelated words of your own.",
        "Ce mot de passe est l'un des mots de passe ou des mots les plus courants, peut-être avec "
        "quelques chiffres ou symboles en plus, et serait parmi les premiers essayés. "
        "Choisissez-en un autre, par exemple quelques mots sans rapport entre eux.",
    ),
    "password_repetitive": ErrorSpec(
        422,
        "This password is made of repeated characters, sequences, keyboard rows or dates (like "
        "“aaaa”, “abcabc”, “12345”, “qwerty”), which are guessed at once. Choose another, such "
        "as a few unrelated words.",
        "Ce mot de passe est fait de caractères répétés, de suites, de rangées du clavier ou de "
        "dates (comme « aaaa », « abcabc », « 12345 », « azerty »), devinés tout de suite. "
        "Choisissez-en un autre, par exemple quelques mots sans rapport entre eux.",
    ),
    "password_contains_name": ErrorSpec(
        422,
        "This password contains “{word}”, taken from your name, your e-mail address or the name "
        "Byline: such words are tried first. Choose a password without it.",
        "Ce mot de passe contient « {word} », tiré de votre nom, de votre adresse e-mail ou du "
        "nom Byline : ces mots sont essayés en premier. Choisissez un mot de passe qui ne le "
        "contienne pas.",
    ),
    # Hostile input (issue 9): what neither database can keep is refused before anything is
    # written, with the same code on SQLite and PostgreSQL.
    "text_has_nul": ErrorSpec(
        422,
        "Remove the NUL character (\\u0000) from “{field}”: no text Byline keeps can contain it.",
        "Retirez le caractère NUL (\\u0000) de « {field} » : aucun texte conservé par Byline ne "
        "peut en contenir.",
    ),
    "time_out_of_range": ErrorSpec(
        422,
        "“{value}” is outside the times Byline keeps: give a time whose date in UTC falls between "
        "the years 1 and 9998.",
        "« {value} » est hors des dates que Byline conserve : indiquez une heure dont la date en "
        "UTC est comprise entre les années 1 et 9998.",
    ),
    "internal_error": ErrorSpec(
        500,
        "Something went wrong on our side; nothing was changed. Try again, and tell your "
        "administrator if it persists.",
        "Un problème est survenu de notre côté ; rien n'a été modifié. Réessayez, et prévenez "
        "votre administrateur si cela persiste.",
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
        spec = CATALOGUE[self.code]
        template = spec.fr if locale == "fr" else spec.en
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
