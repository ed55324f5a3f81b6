"""An editor in Debian's Chromium approves a change for the morning, finds it counting down, and publishes it at once."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from casefile.models import Fact
from tests.desk.browser import Person, marks, shot
from tests.factories import save

from .support import DATABASE_TASKS

pytestmark = marks


@pytest.fixture
def edna(chromium, live_site, served_small_case, served_reporter, served_editor, settings):
    settings.TASKS = DATABASE_TASKS
    fact = Fact.objects.get(slug="contract-value")
    fact.statement = "The contract was worth 8 million."
    save(fact, served_reporter, "The ruling gives 8 million")
    person = Person(chromium, live_site.url, served_editor)
    yield person
    person.close()


def test_an_editor_approves_for_the_morning_finds_it_counting_down_and_publishes_it_at_once(edna, live_site):
    morning = timezone.localtime() + datetime.timedelta(hours=5)
    edna.open("/admin/")
    edna.go("#desk-review a:has-text('The contract was worth 8 million.')")
    edna.fill("#id_comment", "For the 6:00 story")
    edna.fill("#id_goes_live_at", morning.strftime("%Y-%m-%dT%H:%M"))
    edna.go("input[name=_approve]")
    assert "Readers see nothing of it until" in edna.messages()
    public = live_site.url + "/cases/harbour/facts/contract-value/"
    assert "8 million" not in Client().get(public).content.decode()

    edna.open("/admin/")
    assert "Approved for later: 1" in edna.text("#desk-scheduled")
    assert "4 hours" in edna.text("#desk-scheduled")
    edna.go("#desk-scheduled a:has-text('UTC')")
    assert "Waiting for its time" in edna.text("#schedule-state")
    shot(edna.page, "approved-for-later", full_page=True)
    edna.go("input[name=_now]")

    assert "Published: readers see it now." in edna.messages()
    assert "The contract was worth 8 million." in Client().get(public).content.decode()
    assert edna.actions == 6
