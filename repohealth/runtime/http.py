"""HTTP to the services the operator configures (GitHub, deps.dev): where the environment says to
send a request and which certificates to trust, read as curl and requests read them; and whether
GitHub is asked with credentials (the one function here that reads Django's settings). Plain
Python; each client keeps its own pool, retries and errors. (URLs users choose go through
`repohealth/runtime/outbound.py` instead.)"""

from __future__ import annotations

import os
from urllib.request import getproxies, proxy_bypass

import urllib3


def github_authenticated() -> bool:
    """Whether GitHub is asked with credentials: a token or a GitHub App (GraphQL needs one, and
    REST's limit is per credential)."""
    from django.conf import settings

    return bool(settings.GITHUB_TOKENS) or settings.GITHUB_APP_CONFIGURED


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY), as
    curl and requests read them."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    if proxy_bypass(host):
        return None
    proxies = getproxies()
    return proxies.get(scheme) or proxies.get("all")


def ca_bundle() -> str:
    """The CA bundle: REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE when set (as with requests), else certifi's."""
    found = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if found:
        return found
    import certifi

    return certifi.where()


def pool_manager(url: str, *, pool_size: int) -> urllib3.PoolManager:
    """A pool for requests to `url`'s host, through the environment's proxy and CA bundle, with no
    retries of its own (each client retries as its service asks)."""
    options = {"maxsize": max(pool_size, 2), "block": False, "num_pools": 4, "retries": False,
               "ca_certs": ca_bundle()}
    proxy = proxy_for(url)
    return urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
