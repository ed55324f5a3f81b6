import os

from django.core.wsgi import get_wsgi_application
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
application = get_wsgi_application()

# Built once in the gunicorn master, which forks the workers (preload_app):
# otherwise each worker's first request that names an address builds
# Django's table of addresses, about a tenth of a second.
reverse("casefile:case_list")
