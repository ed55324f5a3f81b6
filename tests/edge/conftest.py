"""The fixtures that start Varnish."""

from .varnish import varnish  # noqa: F401
