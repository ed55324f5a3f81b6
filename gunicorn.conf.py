"""gunicorn settings for Casefile, read from the environment.

Run: gunicorn -c gunicorn.conf.py newsroom.wsgi
Each instance is stateless: run several behind a load balancer, sharing only
PostgreSQL (DATABASE_URL) and Redis (REDIS_URL).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Pages are rendered from the database, so workers wait on PostgreSQL about
# as much as they compute: two per core keeps the cores busy.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
# With threads, a worker keeps connections open between requests and goes on
# with another request while one waits on PostgreSQL or Redis.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread" if threads > 1 else "sync"
# Workers start from a copy of the loaded application: a recycled worker is
# ready at once instead of importing Django while readers wait.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# How long an idle kept-alive connection is held. A worker keeps serving
# the connections it accepted: with a few long-lived connections from a load
# balancer, one worker may hold them all while another idles. Capping the
# connections a worker accepts, or letting the balancer open a connection per
# request, spreads them (docs/production.md).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
# The load balancer in front terminates TLS and says so in X-Forwarded-Proto;
# trust it only from the addresses it connects from, the same ones the site
# takes the client's address from (newsroom/settings.py).
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
