"""A logging filter that keeps GitHub tokens out of every log line."""

from __future__ import annotations

import logging


class RedactTokensFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from django.conf import settings

        tokens = [t for t in getattr(settings, "GITHUB_TOKENS", []) if t]
        if not tokens:
            return True
        message = record.getMessage()
        redacted = message
        for token in tokens:
            redacted = redacted.replace(token, "[redacted]")
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
