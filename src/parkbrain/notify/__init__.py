"""Policy notifications (政策推送): who was told of which policy version, in the operational database."""

from parkbrain.notify.models import PolicyNotification
from parkbrain.notify.service import (
    PushOutcome,
    mark_read,
    notifications_of,
    notified_count,
    push_policy,
    unread_count,
)

__all__ = ["PolicyNotification", "PushOutcome", "mark_read", "notifications_of", "notified_count", "push_policy",
           "unread_count"]
