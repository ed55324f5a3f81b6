from django.http import HttpResponse
from django.urls import path

from newsroom.urls import urlpatterns as site_urlpatterns


def baseline(request):
    """What the stack costs with no work at all: the yardstick for every page."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/baseline/", baseline)] + site_urlpatterns
