"""Django's Redis cache, keeping one Redis client per connection pool, and never failing a request.

Django's backend builds a new `redis.Redis` for every call, and building one
costs more than the round trip to Redis itself (the client sets up its table
of reply parsers each time). A page served from the cache makes one call, so
that cost was a third of a hit. A client only borrows connections from its
pool; each thread keeps its own, holding one connection.

The cache is an accelerator: every page can be had without it. A call that
fails (Redis stopped, unreachable, too slow) answers as a miss would: nothing
found, nothing kept. After a failure the process does not ask Redis again for
OPEN_SECONDS (a circuit breaker), so readers do not each wait on a timeout,
and the failure is logged once per LOG_SECONDS, not per request.
"""

import functools
import logging
import os
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = threading.local()

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self._clients.__dict__
        # A worker forked from a process that used the cache opens its own connection.
        key = (os.getpid(), id(pool))
        client = clients.get(key)
        if client is None:
            # One connection held by each thread's client: a command then
            # skips taking a connection from the pool and giving it back.
            client = clients[key] = self._client(connection_pool=pool, single_connection_client=True)
        return client

    def get_many(self, keys):
        # Straight over the thread's connection: the client's retry and event
        # hooks around a command cost as much as the command. A broken
        # connection is opened again by the client, with its retries.
        client = self.get_client(None)
        try:
            client.connection.send_command("MGET", *keys)
            values = client.connection.read_response()
        except (self._lib.exceptions.ConnectionError, self._lib.exceptions.TimeoutError):
            client.connection.disconnect()
            values = client.mget(keys)
        return {key: self._serializer.loads(value) for key, value in zip(keys, values) if value is not None}


class CircuitBreaker:
    """Whether Redis may be asked now, after the failures seen by this process."""

    OPEN_SECONDS = 5
    LOG_SECONDS = 60

    def __init__(self):
        self.open_until = 0.0
        self.last_failure = None
        self.last_logged = -self.LOG_SECONDS

    def allows(self):
        return time.monotonic() >= self.open_until

    def failed(self, error):
        now = time.monotonic()
        self.last_failure = now
        self.open_until = now + self.OPEN_SECONDS
        if now - self.last_logged >= self.LOG_SECONDS:
            self.last_logged = now
            logger.error(
                "The shared cache is unavailable (%s); serving without it, trying again every %d s.",
                error, self.OPEN_SECONDS,
            )

    def failed_within(self, seconds):
        """Whether a call failed in the last `seconds`: what the cache held then may be out of date."""
        return self.last_failure is not None and time.monotonic() - self.last_failure < seconds


def _as_a_miss(default):
    """Run the cache call unless the breaker is open; on a Redis error, answer `default` instead."""

    def decorate(method):
        @functools.wraps(method)
        def guarded(self, *args, **kwargs):
            if self.breaker.allows():
                try:
                    try:
                        return method(self, *args, **kwargs)
                    except self._lib.exceptions.ConnectionError:
                        # A connection Redis closed (a restart): once more, on a new one.
                        self._cache.get_client(None).connection.disconnect()
                        return method(self, *args, **kwargs)
                except self._lib.exceptions.RedisError as error:
                    self.breaker.failed(error)
            if method.__name__ == "_get_or_miss":
                return args[1]
            return default() if callable(default) else default

        return guarded

    return decorate


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self.breaker = CircuitBreaker()

    @property
    def _lib(self):
        return self._cache._lib

    def validate_key(self, key):
        """Redis takes any key: the checks for memcached's limits, character by character, are not needed."""

    def get(self, key, default=None, version=None):
        return self._get_or_miss(key, default, version)

    @_as_a_miss(None)
    def _get_or_miss(self, key, default, version):
        return RedisCache.get(self, key, default, version)

    get_many = _as_a_miss(dict)(RedisCache.get_many)
    has_key = _as_a_miss(False)(RedisCache.has_key)
    # As on an empty cache: the key was not there.
    add = _as_a_miss(True)(RedisCache.add)
    set = _as_a_miss(None)(RedisCache.set)
    set_many = _as_a_miss(list)(RedisCache.set_many)
    touch = _as_a_miss(False)(RedisCache.touch)
    delete = _as_a_miss(False)(RedisCache.delete)
    delete_many = _as_a_miss(None)(RedisCache.delete_many)
    clear = _as_a_miss(None)(RedisCache.clear)
