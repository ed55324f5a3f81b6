"""What happens after publishing commits: the subscribers to `casefile.signals.published`.

Writers (`casefile.workflow.publication`) announce what readers now see;
the modules here act on it, above the views they render:

- `kept_pages`: renders again, in a task, the pages marked stale, and keeps them;
- `edge`: purges the edge cache's surrogate keys of what changed, in a task,
  and tags each public page with its keys;
- `casefile.pagecache.advance_listings`: retires the cached pages that read every case.

`connect()` subscribes them; the app does so when it is ready.
"""

from .. import pagecache
from ..signals import kept_page_missed, published


def connect():
    from . import edge, kept_pages

    published.connect(kept_pages.keep_again, dispatch_uid="casefile.kept_pages")
    published.connect(edge.purge_changed, dispatch_uid="casefile.edge")
    published.connect(pagecache.advance_listings, dispatch_uid="casefile.listings")
    kept_page_missed.connect(kept_pages.keep_missed, dispatch_uid="casefile.kept_pages.missed")
