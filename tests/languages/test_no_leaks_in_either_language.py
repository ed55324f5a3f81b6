"""Nothing unapproved reaches a reader in either language: a translation waits for its editor as any text does."""

from django.test import Client

from casefile.models import Actor, Case, Fact
from tests.factories import approve_all, save
from tests.public.pages import PUBLIC_PAGES, case_url, public_address
from tests.security.test_http_methods import DOWNLOADS

MARKER = "未核实XYZZY"


def in_both_languages(case):
    addresses = [public_address(name) for name in PUBLIC_PAGES if name not in DOWNLOADS] + [
        case_url(case, "actor_detail", "unapproved-clerk"),
        "/search/?q=书记员",
        "/search/?q=安娜",
        "/search/?q=合同金额",
    ]
    return addresses + ["/zh-hans" + address for address in addresses]


def leaks(addresses):
    reader = Client()
    return {address for address in addresses if MARKER.encode() in b"".join(reader.get(address))}


def test_no_unapproved_translation_reaches_any_public_address_in_either_language(case_file, reporter, editor):
    fact = Fact.objects.get(slug="contract-value")
    fact.statement_zh_hans = f"合同金额为五百万。{MARKER}"
    save(fact, reporter)
    actor = Actor.objects.get(slug="ana-mayor")
    actor.name_zh_hans, actor.aliases_zh_hans = f"安娜{MARKER}", f"市长{MARKER}"
    save(actor, reporter)
    case = Case.objects.get(pk=case_file.pk)
    case.summary_zh_hans = f"港口合同案。{MARKER}"
    save(case, reporter)
    save(Actor(case=case_file, kind=Actor.Kind.PERSON, name="Court Clerk", name_zh_hans=f"书记员{MARKER}",
               slug="unapproved-clerk"), reporter)
    addresses = in_both_languages(case_file)

    assert leaks(addresses) == set()

    approve_all(editor, case_file)
    shown = leaks(addresses)
    chinese = "/zh-hans" + case_url(case_file)
    assert {chinese, chinese + "case.json", "/zh-hans" + public_address("fact_detail"),
            "/zh-hans" + case_url(case_file, "actor_detail", "unapproved-clerk")} <= shown
    # On an English page a Chinese text is shown only beside the English one it translates.
    english_pages = {address for address in shown if not address.startswith("/zh-hans/")}
    assert public_address("fact_detail") not in english_pages
