"""The staff side of the case file: reporters edit records, editors review them."""

from django.contrib import admin

from .captures import CaptureAdmin
from .records import RecordAdmin, RecordForm
from .replies import ReplyRequestAdmin
from .review import DecisionAdmin

__all__ = ["CaptureAdmin", "DecisionAdmin", "RecordAdmin", "RecordForm", "ReplyRequestAdmin"]

admin.site.index_template = "admin/casefile/index.html"
admin.site.site_header = "Casefile"
admin.site.site_title = "Casefile"
