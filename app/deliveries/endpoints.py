"""What a person does about a delivery whose outcome is unknown (`needs_attention`).

Byline never publishes such a delivery again on its own: the call may have gone out. A person
checks the channel, then either confirms it was published or asks to publish it again.
"""

from fastapi import APIRouter

from app.accounts.dependencies import CurrentActor, Session, State
from app.deliveries import service
from app.deliveries.schemas import ConfirmPublished, DeliveryRead
from app.kit.fields import Id

router = APIRouter(prefix="/deliveries", tags=["deliveries"])


@router.post("/{delivery_id}/confirm-published", response_model=DeliveryRead)
async def confirm_published(
    delivery_id: Id,
    actor: CurrentActor,
    session: Session,
    state: State,
    data: ConfirmPublished | None = None,
) -> DeliveryRead:
    """A delivery that `needs_attention` may have gone out: you found it on the channel.
    The post's author, an owner or a manager; optionally say where it lives."""
    delivery = await service.confirm_published(
        session,
        actor,
        delivery_id,
        external_url=str(data.external_url) if data and data.external_url else None,
        now=state.clock(),
    )
    return DeliveryRead.model_validate(delivery, from_attributes=True)


@router.post("/{delivery_id}/publish-again", response_model=DeliveryRead)
async def publish_again(
    delivery_id: Id, actor: CurrentActor, session: Session, state: State
) -> DeliveryRead:
    """A delivery that `needs_attention` did not go out (you checked the channel): send it now.
    The post's author, an owner or a manager."""
    delivery = await service.publish_again(
        session,
        actor,
        delivery_id,
        default_minutes=state.settings.publish_deadline_minutes,
        now=state.clock(),
    )
    return DeliveryRead.model_validate(delivery, from_attributes=True)
