from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from newsroom.urls import urlpatterns as site_urlpatterns


def baseline(request):
    """What the stack costs with no work at all: the yardstick for every page."""
    return HttpResponse("ok", content_type="text/plain")


def empty_page(request):
    """A public page with nothing in it: what rendering the site's page template costs."""
    return render(request, "casefile/base.html")


urlpatterns = [
    path("bench/baseline/", baseline),
    path("bench/empty-page/", empty_page),
] + site_urlpatterns
