"""The Content-Security-Policy header (django-csp), strict everywhere but on third-party pages
that cannot comply.

Our pages, the admin and the Swagger UI at /api/docs/ load scripts and styles from our own
origin only: no inline script, no inline style, no eval (settings.CONTENT_SECURITY_POLICY).
django-rq's dashboard (/admin/django_rq/) writes inline scripts and styles into its templates;
under settings.CSP_RELAXED_PATH_PREFIXES the directives in settings.CSP_RELAXED_DIRECTIVES
replace the strict ones, and nowhere else.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware as _CSPMiddleware
from csp.middleware import PolicyParts
from django.conf import settings


def relaxed(path: str) -> bool:
    return path.startswith(tuple(settings.CSP_RELAXED_PATH_PREFIXES))


class CSPMiddleware(_CSPMiddleware):
    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and relaxed(request.path_info):
            parts.replace = {**(parts.replace or {}), **settings.CSP_RELAXED_DIRECTIVES}
        return parts
