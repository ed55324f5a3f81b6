"""The staff side of the case file: reporters edit records, editors review them."""

from .captures import CaptureAdmin
from .records import RecordAdmin, RecordForm
from .replies import ReplyRequestAdmin
from .review import DecisionAdmin
from .schedules import ScheduleAdmin

__all__ = ["CaptureAdmin", "DecisionAdmin", "RecordAdmin", "RecordForm", "ReplyRequestAdmin", "ScheduleAdmin"]
