"""SQLAlchemy models, one table per module; importing this package registers them all."""

from app.models.api_token import ApiToken
from app.models.attestation import Attestation
from app.models.audit_event import AuditEvent
from app.models.base import Base
from app.models.blog_article import BlogArticle
from app.models.channel import Channel
from app.models.client import Client
from app.models.delivery import Delivery
from app.models.engagement import Engagement
from app.models.handover import Handover
from app.models.installation import Installation
from app.models.membership import Membership
from app.models.organisation import Organisation
from app.models.person import Person
from app.models.post import Post
from app.models.web_session import WebSession
from app.models.worker import Worker

__all__ = [
    "ApiToken",
    "Attestation",
    "AuditEvent",
    "Base",
    "BlogArticle",
    "Channel",
    "Client",
    "Delivery",
    "Engagement",
    "Handover",
    "Installation",
    "Membership",
    "Organisation",
    "Person",
    "Post",
    "WebSession",
    "Worker",
]
