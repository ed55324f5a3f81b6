"""Django's Redis cache, keeping one Redis client per connection pool, without memcached's key checks.

Django's backend builds a new `redis.Redis` for every call, and building one
costs more than the round trip to Redis itself (the client sets up its table
of reply parsers each time). A page served from the cache makes one call, so
that cost was a third of a hit. A client only borrows connections from its
pool; each thread keeps its own, holding one connection.
"""

import os
import threading

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def validate_key(self, key):
        """Redis takes any key: the checks for memcached's limits, character by character, are not needed."""
