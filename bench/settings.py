"""The production settings plus a trivial baseline page, for `make bench` only."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
