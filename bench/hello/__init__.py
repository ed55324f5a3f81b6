"""A plain Django hello-world project, the yardstick `make bench` measures every page against.

It is what `django-admin startproject` makes, with one view, served by the same
gunicorn settings as the site: a page's throughput divided by this one's tells
what the page costs beyond Django itself, on any machine.
"""
