"""The audit log: who did what, when (UTC) and from where; append-only and hash-chained."""

from parkbrain.audit.chain import (
    GENESIS,
    SYSTEM,
    Actor,
    Event,
    Verification,
    record,
    record_many,
    verify,
)

__all__ = ["GENESIS", "SYSTEM", "Actor", "Event", "Verification", "record", "record_many", "verify"]
