vcl 4.1;

# Casefile's edge cache. Readers' pages are kept for as long as the app's
# s-maxage says and purged by surrogate key the moment an approval commits;
# staff, the admin and anything that is not a plain read go to the app.

import std;
import xkey;

# The app (gunicorn, or the load balancer in front of its instances).
backend casefile {
    .host = "127.0.0.1";
    .port = "8000";
    # /readyz answers 503 while the app cannot reach its database: the app
    # is then taken as sick, and readers are served what the edge holds.
    .probe = {
        .url = "/readyz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
        .initial = 2;
    }
}

# Where the app's purges come from: its own instances. Add their addresses.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "A purge names its keys in Surrogate-Key"));
        }
        # A hard purge, not a soft one: a record removed from the case must
        # not be served once more while the page is fetched again.
        return (synth(200, "Purged " + xkey.purge(req.http.Surrogate-Key)));
    }
    # Staff see pages rendered for them (previews, unapproved work), which
    # must never be kept or be answered from what readers were given. The
    # path is the app's ADMIN_PATH.
    if (req.method != "GET" && req.method != "HEAD"
        || req.url ~ "^/admin/"
        || req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Readers need no cookie (a stray csrftoken from the login page, an
    # analytics id): dropped, every reader shares the one kept page.
    unset req.http.Cookie;
    # While the app is healthy, a page past its s-maxage is served stale for
    # as long as its stale-while-revalidate (EDGE_STALE_SECONDS) while it is
    # fetched again; while it is sick, for up to a day (below).
    if (std.healthy(req.backend_hint)) {
        set req.grace = 30s;
    }
}

sub vcl_hash {
    # Pages carry absolute links in the scheme they were asked for.
    hash_data(req.http.X-Forwarded-Proto);
}

sub vcl_backend_response {
    # A failed refresh in the background keeps the page the edge has.
    if (beresp.status >= 500 && bereq.is_bgfetch) {
        return (abandon);
    }
    # Only what the app marks public for shared caches is kept: a page that
    # sets a cookie, or says private, no-cache or no-store, belongs to one
    # request. Not kept, it is fetched anew for each request (hit-for-miss),
    # so a page that becomes public later is kept then.
    if (beresp.http.Set-Cookie
        || beresp.http.Cache-Control !~ "(^|,)\s*public\s*(,|$)"
        || beresp.http.Cache-Control !~ "s-maxage=0*[1-9]") {
        set beresp.uncacheable = true;
        set beresp.ttl = 60s;
        return (deliver);
    }
    # The TTL comes from s-maxage; the grace is long, for when the app is
    # down, and cut to stale-while-revalidate in vcl_recv while it is up.
    set beresp.grace = 24h;
    # xkey indexes the object by this header, all of it even if it came in
    # several lines.
    std.collect(beresp.http.Surrogate-Key, " ");
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    unset beresp.http.Surrogate-Key;
}

sub vcl_deliver {
    # The keys are the edge's business. Further caches (a browser, an office
    # proxy) hear no purge: they check the page on every visit, and get a
    # 304 while it is unchanged.
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    if (resp.http.Cache-Control ~ "s-maxage") {
        set resp.http.Cache-Control = "no-cache";
    }
    if (obj.uncacheable) {
        set resp.http.X-Edge = "pass";
    } else if (obj.hits == 0) {
        set resp.http.X-Edge = "miss";
    } else if (obj.ttl <= 0s) {
        set resp.http.X-Edge = "stale";
    } else {
        set resp.http.X-Edge = "hit";
    }
}

sub vcl_backend_error {
    # The app is down and the edge holds no copy of the page.
    set beresp.http.Content-Type = "text/html; charset=utf-8";
    set beresp.http.Retry-After = "30";
    set beresp.http.Cache-Control = "no-store";
    set beresp.body = {"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Back shortly</title></head>
<body><h1>The case files are back shortly</h1><p>The site cannot be reached just now. Please try again in a minute.</p></body></html>
"};
    return (deliver);
}

sub vcl_synth {
    if (req.method == "PURGE") {
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + {"
"};
        return (deliver);
    }
}
