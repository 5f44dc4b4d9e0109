"""Ghost connector: the signed article goes to a Ghost site through its Admin API.

Ghost Admin API facts this module relies on, checked against Ghost's documentation
(docs.ghost.org/admin-api) and source (ghost/core/core/server/services/auth/api-key/admin.js,
models/relations/authors.js, web/api/endpoints/admin/routes.js):
* Requests go to `{admin domain}/ghost/api/admin/`, with `Accept-Version: v{major}.{minor}` (the
  oldest API version the client works with) and `Authorization: Ghost {token}`. The token is a
  JWT signed HS256 with the hex-decoded secret of the Admin API key (`{id}:{secret}`), `kid` =
  the key's id, `aud` = "/admin/", and at most 5 minutes old. Ghost refuses an unknown key id
  (401 `UNKNOWN_ADMIN_API_KEY`), a Content API key (401 `INVALID_API_KEY_TYPE`) and a bad
  signature or an expired token (401 `INVALID_JWT`). Errors are `{"errors": [{"message",
  "type", "code", ...}]}`.
* POST /posts/?source=html creates a post from HTML (converted to Ghost's editor format; HTML
  between `<!--kg-card-begin: html-->` and `<!--kg-card-end: html-->` is kept as it is, in an
  HTML card). The title is plain text. Without `authors`, and for an author Ghost cannot find by
  id, slug or e-mail, Ghost silently makes the site owner the author: so Byline names the staff
  user, and checks it exists first.
* PUT /posts/{id}/ needs the post's current `updated_at` (collision detection: an older one is a
  409 `UpdateCollisionError`); DELETE /posts/{id}/ answers 204; a missing post is a 404.
* GET /users/, /users/{id}/ and /users/email/{email}/ describe staff users (with `include=roles`,
  their roles: one is "Owner"). GET /site/ answers without authentication.

Idempotency: each post's `codeinjection_foot` (the post's own code injected at the end of its
page) is exactly `<!-- byline:{idempotency_key} -->`. Readers never see it (an HTML comment in
the page's source, never in the article, its excerpt, the feeds or the newsletter), the article
stays as the editor shows it, and the Admin API filters on it: `reconcile` asks for
`codeinjection_foot:'<that comment>'` and accepts only a post whose field is exactly that, so
"byline-delivery-4" never matches "byline-delivery-42". A slug or the canonical URL would be
visible (and the canonical URL would tell search engines the article lives elsewhere); a tag per
delivery would crowd the site's tag list.
"""

from connectors.ghost.admin_api import ACCEPT_VERSION, admin_token
from connectors.ghost.connector import GhostConnector, marker
from connectors.ghost.settings import GhostConfig, GhostCredentials

__all__ = [
    "ACCEPT_VERSION",
    "GhostConfig",
    "GhostConnector",
    "GhostCredentials",
    "admin_token",
    "marker",
]
