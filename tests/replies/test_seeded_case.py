"""The seeded case marks its allegations and says readers were not told anyone's answer: none was sought."""

import json

from django.core.management import call_command
from django.urls import reverse

from casefile.models import EventParticipant, FactActor, ReplyOverride

from ..factories import SEED_FIXTURE


def test_the_seeded_allegations_say_no_comment_was_sought(seeded_case, client):
    page = client.get(reverse("casefile:fact_detail", args=["fuzhou-genesis", "disguise-software-for-inspectors"]))
    text = page.content.decode()
    for name in ("Xiao Yi", "Lin Qingxing", "Fuzhou Genesis"):
        assert f"No comment was sought from {name}." in text
    actor_page = client.get(reverse("casefile:actor_detail", args=["fuzhou-genesis", "lin-qingxing"])).content.decode()
    assert "No comment was sought from Lin Qingxing." in actor_page
    exported = json.loads(client.get(reverse("casefile:case_json", args=["fuzhou-genesis"])).content)
    against = {(line["about"]["slug"], line["actor"]) for line in exported["right_of_reply"]}
    assert ("lin-withheld-all-bitcoin", "lin-qingxing") in against
    assert ("gm-foundation-lawsuit-2019", "fuzhou-genesis") in against
    assert {line["outcome"] for line in exported["right_of_reply"]} == {"not sought"}


def test_the_seed_approval_records_the_editors_override_once(seeded_case, editor):
    overrides = ReplyOverride.objects.filter(case=seeded_case)
    assert overrides.count() == (FactActor.objects.filter(fact__case=seeded_case, alleged=True).count()
                                 + EventParticipant.objects.filter(event__case=seeded_case, alleged=True).count())
    assert {o.granted_by for o in overrides} == {editor}
    assert "compiled from published reports" in overrides.first().reason
    call_command("load_case", str(SEED_FIXTURE), approve_as=editor.username, stdout=open("/dev/null", "w"))
    assert ReplyOverride.objects.filter(case=seeded_case).count() == overrides.count()
