"""A logging filter that keeps GitHub tokens out of every log line.

The configured tokens are redacted by value; so is anything shaped like a GitHub token
(`ghp_`, `ghs_` installation tokens minted at run time, `github_pat_`, ...) or a JWT (a GitHub
App's), which are never configured.
"""

from __future__ import annotations

import logging
import re

TOKEN_SHAPES = re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|eyJ[\w-]+\.[\w-]+\.[\w-]+)")


class RedactTokensFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        from django.conf import settings

        tokens = [t for t in getattr(settings, "GITHUB_TOKENS", []) if t]
        message = record.getMessage()
        redacted = message
        for token in tokens:
            redacted = redacted.replace(token, "[redacted]")
        redacted = TOKEN_SHAPES.sub("[redacted]", redacted)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
