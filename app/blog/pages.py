"""The built-in blog's public pages and Atom feed, in the client's language."""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from app.accounts.dependencies import Session, State
from app.blog import service
from app.clients import service as clients
from app.errors import AppError
from app.models import Client
from app.web.rendering import render

router = APIRouter(prefix="/blog", include_in_schema=False)


async def _client(session: Session, slug: str) -> Client:
    client = await clients.get_by_slug(session, slug)
    if client is None:
        raise AppError("route_not_found")
    return client


@router.get("/{client_slug}")
async def blog_index(client_slug: str, request: Request, session: Session) -> Response:
    client = await _client(session, client_slug)
    articles = await service.latest(session, client.id)
    return render(
        "blog/index.html", locale=client.locale, request=request, client=client, articles=articles
    )


@router.get("/{client_slug}/feed.xml")
async def blog_feed(client_slug: str, session: Session, state: State) -> Response:
    client = await _client(session, client_slug)
    articles = await service.latest(session, client.id)
    blog_url = f"{state.settings.base_url}/blog/{client.slug}"
    feed = FeedGenerator()
    feed.id(blog_url)
    feed.title(client.name)
    feed.link(href=blog_url, rel="alternate")
    feed.link(href=f"{blog_url}/feed.xml", rel="self")
    feed.language(client.locale)
    if articles:
        feed.updated(articles[0].published_at)
    # feedgen prepends entries; add oldest first so the feed reads newest first.
    for article in reversed(articles):
        entry = feed.add_entry()
        url = f"{blog_url}/{article.slug}"
        entry.id(url)
        entry.title(article.title)
        entry.link(href=url, rel="alternate")
        entry.author(
            {"name": article.author_name, "uri": f"{state.settings.base_url}/t/{client.slug}"}
        )
        entry.published(article.published_at)
        entry.updated(article.published_at)
        entry.content(article.body_html, type="html")
    return Response(feed.atom_str(pretty=True), media_type="application/atom+xml")


@router.get("/{client_slug}/{article_slug}")
async def blog_article(
    client_slug: str, article_slug: str, request: Request, session: Session
) -> Response:
    client = await _client(session, client_slug)
    article = await service.article(session, client.id, article_slug)
    if article is None:
        raise AppError("route_not_found")
    if article.withdrawn_at is not None:
        raise AppError("article_withdrawn", client=client.name)
    return render(
        "blog/article.html", locale=client.locale, request=request, client=client, article=article
    )
