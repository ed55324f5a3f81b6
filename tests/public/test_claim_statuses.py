"""Readers see the status of every claim: events on the timeline, ties in the list, both in case.json and search."""

import json

from casefile import workflow
from casefile.models import Citation, Event, Relationship, Source
from tests.factories import save
from tests.public.pages import case_url, page, search_text, text


def publish(record, editor):
    model = type(record)
    workflow.approve(editor, {(c.model, c.pk): c.latest.history_id
                              for c in workflow.record_changes(model, record.pk)}, "")


def test_the_timeline_and_the_event_page_show_each_event_status(client, disputed_case, reporter, editor):
    event = Event.objects.get(slug="contract-signed")
    event.status = Event.Status.CONFIRMED
    save(event, reporter)
    publish(event, editor)
    shown = text(page(client, case_url(disputed_case)))
    timeline = shown[shown.index("Timeline"):shown.index("Facts Confirmed")]
    assert "2019 Tender opened Unverified" in timeline
    assert "May 2020 Contract signed Confirmed" in timeline
    event_page = page(client, event.get_absolute_url())
    assert '<span class="badge status-confirmed">Confirmed</span>' in event_page


def test_an_inferred_date_is_marked_where_readers_see_it(client, disputed_case, reporter, editor):
    event = Event.objects.get(slug="tender-opened")
    event.date_inferred = True
    save(event, reporter)
    publish(event, editor)
    assert "2019 (inferred) Tender opened" in text(page(client, case_url(disputed_case)))
    assert "When 2019 (inferred)" in text(page(client, event.get_absolute_url()))


def test_the_list_of_ties_shows_each_status_with_a_legend(client, disputed_case, reporter, editor):
    relationship = Relationship.objects.get(case=disputed_case)
    save(Citation(relationship=relationship, source=Source.objects.get(slug="forum-post"), locator="¶2",
                  stance=Citation.Stance.CONTRADICTS), reporter)
    relationship.status = Relationship.Status.DISPUTED
    save(relationship, reporter)
    publish(relationship, editor)
    html = page(client, case_url(disputed_case))
    ties = html[html.index('id="ties"'):html.index('id="sources"')]
    assert "Ana Mayor business partner of Quay Builders (from 2018) Disputed" in text(ties)
    assert "Unverified it rests on one side of the sources" in text(ties)
    graph = json.loads(html.split('id="relationship-graph-data" type="application/json">')[1].split("</script>")[0])
    assert [(edge["status"], edge["status_label"]) for edge in graph["edges"]] == [("disputed", "Disputed")]


def test_case_json_gives_the_status_of_events_and_relationships(client, disputed_case):
    data = client.get("/cases/harbour/case.json").json()
    assert {event["slug"]: event["status"] for event in data["events"]} == {
        "tender-opened": "unverified", "contract-signed": "unverified"}
    assert all(event["date_inferred"] is False for event in data["events"])
    assert [relationship["status"] for relationship in data["relationships"]] == ["unverified"]


def test_a_search_result_for_an_event_shows_its_status(client, disputed_case):
    assert "Event Unverified Tender opened" in search_text(client, "tender")
