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
