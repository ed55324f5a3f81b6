"""The languages a public page is read in: the same page's address in each, for the switch and the alternates."""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.translation import get_language

from ..context_processors import read_query

register = template.Library()


@dataclass(frozen=True)
class Version:
    code: str
    name: str
    url: str
    absolute_url: str
    current: bool
    default: bool


@register.simple_tag(takes_context=True)
def language_versions(context):
    """The page in every language, in the order of settings.LANGUAGES; empty for a page that has
    one address only (the admin's preview of a page, a page rendered without its request)."""
    request = context.get("request")
    query = read_query(request) if request is not None else None
    if query is None:
        return []
    address = request.path_info + ("?" + query if query else "")
    versions = [
        Version(code, name, url, request.build_absolute_uri(url), code == get_language(), code == settings.LANGUAGE_CODE)
        for code, name in settings.LANGUAGES
        for url in [translate_url(address, code)]
    ]
    if len({version.url for version in versions}) < len(versions):
        return []
    return versions


@register.filter
def language_name(code):
    """A language of settings.LANGUAGES by the name it gives itself: 'English', '简体中文'."""
    return dict(settings.LANGUAGES).get(code, code)

