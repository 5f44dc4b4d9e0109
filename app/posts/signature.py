"""A post's signature: frozen from the signer at signing time, hashed with the content, and
rendered for each channel kind. The one place that says what "signed" means for a post."""

import hashlib
import json
from datetime import datetime

from app.errors import AppError
from app.models import Client, Post
from app.posts.render import PostContent, SignatureStyle, render
from app.signing.service import Signer
from connectors.base import Capabilities, OutgoingPost, Signature


def signature_for(signer: Signer, client: Client, base_url: str) -> Signature:
    return Signature(
        full_name=signer.full_name,
        role_title=signer.role_title,
        photo_url=signer.photo_url,
        client_name=client.name,
        transparency_url=f"{base_url}/t/{client.slug}",
    )


def stored_signature(
    post: Post, client: Client, base_url: str, *, email: str | None = None
) -> Signature:
    """The signature frozen into the post when it was signed, with who signed it: the author's
    id and current `email` (by which a connector finds the destination's user for them)."""
    return Signature(
        full_name=post.sig_full_name,
        role_title=post.sig_role_title,
        photo_url=post.sig_photo_url,
        client_name=post.sig_client_name,
        transparency_url=f"{base_url}/t/{client.slug}",
        person_id=post.author_id,
        email=email,
    )


def render_for_channel(
    post: Post,
    client: Client,
    signature: Signature,
    kind: str,
    capabilities: Capabilities,
    *,
    idempotency_key: str,
) -> OutgoingPost:
    """The one way a post becomes what a channel shows: used for checks, previews and sending."""
    return render(
        PostContent(
            title=post.title, body=post.body, link=post.link, scheduled_at=post.scheduled_at
        ),
        signature,
        capabilities,
        SignatureStyle(kind=kind, intro=client.signature_intro, locale=client.locale),
        idempotency_key=idempotency_key,
    )


def content_hash(post: Post) -> str:
    canonical = json.dumps(
        {
            "client_id": post.client_id,
            "author_id": post.author_id,
            "title": post.title,
            "body": post.body,
            "link": post.link,
            "signature": [
                post.sig_full_name,
                post.sig_role_title,
                post.sig_photo_url,
                post.sig_client_name,
            ],
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def verify_signature(post: Post) -> None:
    """Refuse a post whose stored content or signature changed since it was signed."""
    if content_hash(post) != post.content_hash:
        raise AppError("signature_mismatch")


def sign(post: Post, signer: Signer, client: Client, now: datetime) -> None:
    post.sig_full_name = signer.full_name
    post.sig_role_title = signer.role_title
    post.sig_photo_url = signer.photo_url
    post.sig_client_name = client.name
    post.signed_at = now
    post.content_hash = content_hash(post)
