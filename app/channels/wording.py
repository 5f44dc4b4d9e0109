"""What a channel check found, in the reader's language.

Connectors (which import nothing of Byline) report in English, and may name what they say with a
stable `code` and its `params` (connectors.base.CheckResult, ConnectorError). Each code Byline
knows has its words here, in English marked for the gettext catalogue; the params, such as an
account's name, are shown as the destination reported them. A code not listed here (a third
party's connector, a newer message) shows the connector's own English `detail`.
"""

from collections.abc import Mapping

from app.kit.i18n import N_, translations

CHECK_DETAILS: dict[str, str] = {
    "configuration_accepted": N_("configuration accepted"),
    "byline.no_connector": N_("no connector named “{kind}” is installed"),
    "byline.no_answer": N_("no answer within {seconds} s"),
    "http.unreachable": N_("could not reach {destination} ({kind}); nothing was sent"),
    "http.failed_after_sending": N_(
        "the connection to {destination} failed after sending ({kind})"
    ),
    "http.failed": N_("the connection to {destination} failed ({kind})"),
    "facebook.page": N_("page {page}"),
    "facebook.page_token": N_("page {page}: a Page access token with {permission}"),
    "facebook.page_token_undescribed": N_(
        "page {page}: the token is this Page's; Facebook did not say whether it has {permission}"
    ),
    "wordpress.signed_in_as": N_("signed in as {account}"),
    "wordpress.refused.incorrect_password": N_(
        "WordPress refused the account: the application password is wrong or was revoked ({detail}). To fix: create a new one in wp-admin (Users → Profile → Application Passwords) and reconnect the channel with it"
    ),
    "wordpress.refused.invalid_username": N_(
        "WordPress refused the account: WordPress has no user with this username ({detail}). To fix: reconnect the channel with the WordPress login (not the application password's name)"
    ),
    "wordpress.refused.invalid_email": N_(
        "WordPress refused the account: WordPress has no user with this e-mail address ({detail}). To fix: reconnect the channel with the WordPress login"
    ),
    "wordpress.refused.application_passwords_disabled": N_(
        "WordPress refused the account: Application Passwords are turned off on this site (they need https, or a plugin turns them off) ({detail}). To fix: turn them on in WordPress, then reconnect the channel"
    ),
    "wordpress.refused.application_passwords_disabled_for_user": N_(
        "WordPress refused the account: Application Passwords are turned off for this account ({detail}). To fix: ask the site's administrator to allow them, or reconnect with another account"
    ),
    "wordpress.refused.rest_not_logged_in": N_(
        "WordPress refused the account: WordPress did not sign the account in: the username or the application password is wrong, or the web server drops the Authorization header before WordPress sees it ({detail}). To fix: check both and reconnect the channel; if they are right, have the web server pass the Authorization header on to PHP"
    ),
    "wordpress.refused.rest_cannot_publish": N_(
        "WordPress refused the account: the account may write posts but not publish them (a Contributor) ({detail}). To fix: give it the Author role or higher in WordPress, or reconnect with such an account"
    ),
    "wordpress.refused.cannot_write": N_(
        "WordPress refused the request: the account may not write posts here ({detail}). Reconnect the channel with the username and an Application Password of an account that can publish posts"
    ),
    "wordpress.refused.forbidden": N_(
        "WordPress refused the account ({detail}). Reconnect the channel with the username and an Application Password of an account that can publish posts"
    ),
    "wordpress.not_a_rest_api": N_(
        "{site} does not answer as a WordPress REST API; check the address"
    ),
    "ghost.not_a_site": N_("{site} does not answer as a Ghost site; check it"),
    "ghost.key_refused.UNKNOWN_ADMIN_API_KEY": N_(
        "Ghost refused the Admin API key: Ghost does not know this Admin API key (it was "
        "deleted, or its integration's key was regenerated): copy the key again from Settings → "
        "Integrations [{detail}]"
    ),
    "ghost.key_refused.INVALID_API_KEY_TYPE": N_(
        "Ghost refused the Admin API key: this is a Content API key: give the Admin API key of "
        "the integration (Settings → Integrations) [{detail}]"
    ),
    "ghost.key_refused.INVALID_JWT": N_(
        "Ghost refused the Admin API key: Ghost refused the token signed with this Admin API "
        "key: the secret part of the key is wrong (copy the whole key again), or this machine's "
        "clock is more than 5 minutes off [{detail}]"
    ),
    "ghost.key_refused.MISSING_ADMIN_API_KID": N_(
        "Ghost refused the Admin API key: Ghost found no key id in the token: give the whole "
        "Admin API key ({{id}}:{{secret}}) [{detail}]"
    ),
    "ghost.key_refused": N_(
        "Ghost refused the Admin API key: the Admin API key may not do this: give the Admin API "
        "key of a custom integration [{detail}]"
    ),
    "ghost.limited": N_("the site is limiting requests for now: {detail}"),
    "ghost.failing": N_("the site is failing for now: {detail}"),
    "ghost.no_admin_api": N_(
        "the site has no Ghost Admin API at this address: {detail}. Check the site's admin "
        "address"
    ),
    "wordpress.signed_in_as_role": N_("signed in as {account} ({role})"),
    "wordpress.cannot_publish": N_(
        "{account} cannot publish posts (WordPress's {capability} capability): give it the Author role or higher in WordPress, or reconnect the channel with such an account"
    ),
    "wordpress.cannot_write": N_(
        "{account} cannot write posts (WordPress's {capability} capability): give it the Author role or higher in WordPress, or reconnect the channel with such an account"
    ),
    "wordpress.author_mapped": N_("{person}: WordPress shows “{shown}” (mapped by hand)"),
    "wordpress.author_own_email": N_(
        "{person}: WordPress shows “{shown}” (the account's own e-mail)"
    ),
    "wordpress.author_found_by_email": N_("{person}: WordPress shows “{shown}” (found by e-mail)"),
    "wordpress.author_no_user_id": N_(
        "{person}: WordPress would show “{shown}”, because WordPress has no user {user_id} (the channel's author_ids names it). To fix: map {person} to a WordPress user in the channel's settings (author_ids), or accept the account's name for this channel (accept_account_author)"
    ),
    "wordpress.author_accepted_no_user_id": N_(
        "{person}: WordPress shows “{shown}” (WordPress has no user {user_id} (the channel's author_ids names it); the channel accepts the account's name)"
    ),
    "wordpress.author_no_email": N_(
        "{person}: WordPress would show “{shown}”, because Byline knows no e-mail address for {person}. To fix: map {person} to a WordPress user in the channel's settings (author_ids), or accept the account's name for this channel (accept_account_author)"
    ),
    "wordpress.author_accepted_no_email": N_(
        "{person}: WordPress shows “{shown}” (Byline knows no e-mail address for {person}; the channel accepts the account's name)"
    ),
    "wordpress.author_no_list_users": N_(
        "{person}: WordPress would show “{shown}”, because the account {account} may not look users up by e-mail (it lacks WordPress's list_users capability). To fix: map {person} to a WordPress user in the channel's settings (author_ids), or accept the account's name for this channel (accept_account_author)"
    ),
    "wordpress.author_accepted_no_list_users": N_(
        "{person}: WordPress shows “{shown}” (the account {account} may not look users up by e-mail (it lacks WordPress's list_users capability); the channel accepts the account's name)"
    ),
    "wordpress.author_no_user_with_email": N_(
        "{person}: WordPress would show “{shown}”, because no WordPress user has the e-mail {email}. To fix: map {person} to a WordPress user in the channel's settings (author_ids), or accept the account's name for this channel (accept_account_author)"
    ),
    "wordpress.author_accepted_no_user_with_email": N_(
        "{person}: WordPress shows “{shown}” (no WordPress user has the e-mail {email}; the channel accepts the account's name)"
    ),
    "wordpress.author_no_edit_others": N_(
        "{person}: WordPress would show “{shown}”, because the account {account} may not set another author (it lacks WordPress's edit_others_posts capability: give it the Editor or Administrator role). To fix: map {person} to a WordPress user in the channel's settings (author_ids), or accept the account's name for this channel (accept_account_author)"
    ),
    "wordpress.author_accepted_no_edit_others": N_(
        "{person}: WordPress shows “{shown}” (the account {account} may not set another author (it lacks WordPress's edit_others_posts capability: give it the Editor or Administrator role); the channel accepts the account's name)"
    ),
    "check.no_author": N_("nobody signs for this client yet: no author to check"),
    "ghost.key_works": N_("site {site}: the Admin API key works"),
    "ghost.author_user": N_("{person} signs as Ghost user {user}"),
    "ghost.author_mapped_missing": N_(
        "{person} is mapped to {chosen}, which is no staff user of this site: Ghost would show {shown}; correct the channel's authors"
    ),
    "ghost.author_mapped_missing_owner": N_(
        "{person} is mapped to {chosen}, which is no staff user of this site: Ghost would show the site owner; correct the channel's authors"
    ),
    "ghost.author_accepted": N_("{person}'s posts show {shown} as author (accepted)"),
    "ghost.author_accepted_owner": N_("{person}'s posts show the site owner as author (accepted)"),
    "ghost.author_unmapped": N_(
        "{person} (person {person_id}) has no Ghost staff user: Ghost would show {shown} as the author. Map them in the channel's authors (person id → Ghost e-mail), or accept it (accept_default_author); until then their posts here are held"
    ),
    "ghost.author_unmapped_owner": N_(
        "{person} (person {person_id}) has no Ghost staff user: Ghost would show the site owner as the author. Map them in the channel's authors (person id → Ghost e-mail), or accept it (accept_default_author); until then their posts here are held"
    ),
}


def check_detail(code: str | None, params: Mapping[str, str], detail: str, locale: str) -> str:
    """The words of `code` in `locale`, filled with `params`; else the connector's `detail`."""
    words = CHECK_DETAILS.get(code or "")
    if words is None:
        return detail
    try:
        return translations(locale).gettext(words).format_map(dict(params))
    except (KeyError, IndexError, ValueError):  # params that do not fit its words
        return detail
