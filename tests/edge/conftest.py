"""The fixtures that start Varnish."""

from .varnish import running_varnishes, varnish  # noqa: F401
