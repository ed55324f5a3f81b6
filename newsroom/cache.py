"""Django's Redis cache, keeping one Redis client per connection pool.

Django's backend builds a new `redis.Redis` for every call, and building one
costs more than the round trip to Redis itself (the client sets up its table
of reply parsers each time). A page served from the cache makes one call, so
that cost was a third of a hit. A client only borrows connections from its
pool, so one per pool is safe to share between threads.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusedClientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
