import ipaddress

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.utils import translation


CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    # The admin sets a few style attributes; no style can run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


class ClientAddressMiddleware:
    """REMOTE_ADDR is the client's address, also behind the load balancer.

    A request from a trusted proxy (TRUSTED_PROXIES) has its REMOTE_ADDR
    replaced by the client's address from X-Forwarded-For. Each proxy appends
    the address that connected to it, so the header is read from its right
    end, past the trusted proxies: the first other address is the client's.
    What stands left of it was written by the client and proves nothing, and
    a request from anywhere else keeps its REMOTE_ADDR whatever its headers
    say, so no one can choose the address they are known by.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.trusted_proxies = getattr(settings, "TRUSTED_PROXIES", [])
        if not self.trusted_proxies:
            raise MiddlewareNotUsed("No TRUSTED_PROXIES: REMOTE_ADDR is the client's own address.")

    def __call__(self, request):
        request.META["REMOTE_ADDR"] = self.client_address(request.META)
        return self.get_response(request)

    def client_address(self, meta):
        address = meta.get("REMOTE_ADDR", "")
        forwarded_for = meta.get("HTTP_X_FORWARDED_FOR", "").split(",")
        while forwarded_for and self.is_trusted_proxy(address):
            try:
                address = str(ipaddress.ip_address(forwarded_for.pop().strip()))
            except ValueError:
                # A trusted proxy that could not tell ("unknown"): it is the
                # last address known.
                break
        return address

    def is_trusted_proxy(self, address):
        try:
            address = ipaddress.ip_address(address)
        except ValueError:
            return False
        # An IPv4 peer reached through an IPv6 socket reads ::ffff:10.0.0.5.
        address = getattr(address, "ipv4_mapped", None) or address
        return any(address in network for network in self.trusted_proxies)


PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=()"


def security_headers():
    """The security headers of every response that Django's SecurityMiddleware does not set."""
    return {
        "Content-Security-Policy": getattr(settings, "CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY),
        "Permissions-Policy": PERMISSIONS_POLICY,
    }


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.headers = security_headers()

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in self.headers.items():
            response.headers.setdefault(name, value)
        return response


def add_static_file_headers(headers, path, url):
    """WhiteNoise's WHITENOISE_ADD_HEADERS_FUNCTION: static files are answered before the middleware that
    sets these headers, and before XFrameOptionsMiddleware, so they get them here."""
    for name, value in security_headers().items():
        headers.setdefault(name, value)
    headers.setdefault("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY").upper())



class LanguageFromAddressMiddleware:
    """Pages speak the language their address names (/zh-hans/...), English where it names none.

    Unlike Django's LocaleMiddleware, neither a cookie nor Accept-Language
    chooses it: one address is one page for every reader, which the page
    cache and the edge keep without a Vary header, and a reader who shares a
    link shares the language they read it in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            translation.activate(settings.LANGUAGE_CODE)
        response.headers.setdefault("Content-Language", language)
        return response
