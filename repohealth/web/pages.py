"""Web plumbing every app's pages share: login for pages and htmx, and safe `next` targets."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect


def login_required_page(view):
    """`login_required` that also answers htmx requests sensibly: htmx follows a redirect and
    would swap the login page into a progress panel, so it is told to send the browser there."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if request.htmx:
            back = request.htmx.current_url_abs_path or "/"
            return HttpResponseClientRedirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': back})}")
        return redirect_to_login(request.get_full_path())

    return wrapper


def safe_next(request, default: str) -> str:
    """The `next` field when it is a path on this site (`/...`); `default` otherwise. (A bare word
    would be taken for a URL name by `redirect`, and anything else may lead off-site.)"""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                                  require_https=request.is_secure()):
        return target
    return resolve_url(default)
