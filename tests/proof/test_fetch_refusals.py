"""The fetcher refuses what a server must not fetch for a user."""

import ipaddress

import pytest

from casefile import fetching
from casefile.models import Capture
from casefile.workflow import captures as capturing

from .support import DAILY, Page, daily, html_document, serving

pytestmark = pytest.mark.usefixtures("captures_folder")


def refused(url, match):
    with pytest.raises(fetching.FetchRefused, match=match):
        fetching.fetch(url)


def test_loopback_is_refused_and_never_connected_to(settings):
    settings.CAPTURE_FETCH_ALLOWED_NETWORKS = []
    with serving({"/daily": Page(html_document(DAILY))}) as server:
        refused(server.url("/daily"), "not on the public internet")
        refused(server.url("/daily").replace("127.0.0.1", "localhost"), "not on the public internet")
    assert server.requests == []


@pytest.mark.parametrize("url", [
    "http://10.1.2.3/", "http://192.168.0.1/", "http://172.16.5.4/", "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/", "http://[fe80::1]/", "http://0.0.0.0/", "http://100.64.0.1/",
])
def test_private_link_local_and_reserved_addresses_are_refused_before_any_connection(url, settings):
    settings.CAPTURE_FETCH_ALLOWED_NETWORKS = []
    refused(url, "not on the public internet")


# Checked without connecting anywhere: the address is vetted before any connection is made.
@pytest.mark.parametrize("host", [
    "64:ff9b::a00:1", "2002:a00:1::", "::127.0.0.1", "2001:0:4136:e378:8000:63bf:f5ff:fffe",
])
def test_ipv6_addresses_that_lead_to_private_ipv4_ones_are_refused(host, settings):
    settings.CAPTURE_FETCH_ALLOWED_NETWORKS = []
    with pytest.raises(fetching.FetchRefused, match="not on the public internet"):
        fetching.vetted_address(host, 80)


@pytest.mark.parametrize("port", [25, 6379, 8443])
def test_ports_other_than_the_webs_are_refused_before_any_connection(port, settings):
    settings.CAPTURE_FETCH_ALLOWED_NETWORKS = []
    assert fetching.vetted_address("1.1.1.1", 443) == "1.1.1.1"
    with pytest.raises(fetching.FetchRefused, match="only the web's ports"):
        fetching.vetted_address("1.1.1.1", port)


@pytest.mark.parametrize("url", ["ftp://example.org/report.txt", "file:///etc/passwd", "gopher://example.org/"])
def test_schemes_other_than_http_and_https_are_refused(url):
    refused(url, "only http and https")


def test_a_redirect_to_a_refused_address_is_not_followed(settings):
    # The test's server is opened alone; the loopback address it redirects to is not.
    settings.CAPTURE_FETCH_ALLOWED_NETWORKS = [ipaddress.ip_network("127.0.0.2/32")]
    with serving({"/away": Page(status=302, headers=[("Location", "http://127.0.0.1:9/secret")]),
                  "/metadata": Page(status=307, headers=[("Location", "http://169.254.169.254/")])},
                 host="127.0.0.2") as server:
        refused(server.url("/away"), "127.0.0.1, an address that is not on the public internet")
        refused(server.url("/metadata"), "169.254.169.254")
    assert [path for path, _ in server.requests] == ["/away", "/metadata"]


@pytest.mark.usefixtures("local_fetching")
def test_an_oversized_body_is_refused_whether_declared_or_not(settings):
    settings.CAPTURE_MAX_BYTES = 1000
    with serving({"/declared": Page(b"x" * 5000), "/undeclared": Page(b"x" * 5000, declared_length=False)}) as server:
        refused(server.url("/declared"), "5,000 bytes, more than the 1,000 bytes")
        refused(server.url("/undeclared"), "larger than the 1,000 bytes")


@pytest.mark.usefixtures("local_fetching")
def test_a_server_too_slow_to_answer_is_given_up_on():
    with serving({"/slow": Page(html_document(DAILY), delay=2.5)}) as server:
        refused(server.url("/slow"), "did not answer in time")


@pytest.mark.usefixtures("local_fetching")
def test_a_server_that_trickles_its_page_is_given_up_on_at_the_time_limit(settings):
    settings.CAPTURE_FETCH_TOTAL_SECONDS = 1
    with serving({"/trickle": Page(b"<p>" + b"x" * 200 + b"</p>", trickle=0.05)}) as server:
        refused(server.url("/trickle"), "sent too slowly")


@pytest.mark.usefixtures("local_fetching")
def test_too_many_redirects_are_refused():
    with serving({"/loop": Page(status=302, headers=[("Location", "/loop")])}) as server:
        refused(server.url("/loop"), "more than 5 redirects")


def test_a_refused_fetch_keeps_nothing_and_says_why(case_file, reporter, settings):
    settings.CAPTURE_FETCH_ALLOWED_NETWORKS = []
    source = daily(case_file)
    source.url = "http://127.0.0.1:9/daily"
    source.save()

    with pytest.raises(capturing.CaptureRefused, match="not on the public internet"):
        capturing.capture_page(source, reporter)
    assert not Capture.objects.exists()
