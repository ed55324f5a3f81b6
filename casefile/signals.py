"""What the case file announces to those who act on it.

`published` is sent once per transaction that changed what readers see, and
only after it commits, by `workflow.publication` alone (as Wagtail's
`published` signal feeds its frontend cache). Its one argument, `change`, is
a `workflow.publication.ReadersSee`: the cases, records and kept pages
concerned. Subscribers (`casefile.publishing`) keep pages again, purge the
edge cache and retire cached listings; a failure in one is logged and never
undoes the change.

`kept_page_missed` is sent by the public read layer when a reader asked for
a page that should be kept but was not (kept by another release, or not yet
kept again after a change), with the `case_id` it belongs to.
"""

from django.dispatch import Signal

published = Signal()
kept_page_missed = Signal()
