"""What the tests of legal review do: flag a change for a lawyer, clear or refuse it, read a home page's desk."""

from django.urls import reverse

from casefile import workflow
from casefile.workflow import legal
from tests.factories import save


def flag(record, user, reason="Names a person: legal should read it", **changes):
    """Save `record` flagged for legal review, with `changes`, as `user`."""
    record.needs_legal_review = True
    for name, value in changes.items():
        setattr(record, name, value)
    return save(record, user, reason)


def decide(lawyer, record, verdict, comment=""):
    """Clear or refuse the change of `record` as its review shows it now."""
    changes = workflow.record_changes(type(record), record.pk)
    seen = workflow.fingerprint((c.key, c.latest.history_id) for c in changes)
    return legal.decide_legal(lawyer, type(record), record.pk, seen, verdict, comment)


def home(client):
    """The HTML of the home page (the desk) of the person logged in."""
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response.content.decode()


def section(html, section_id):
    """The HTML of one section of the desk."""
    return html.split(f'id="{section_id}"', 1)[1].split("</section>", 1)[0]
