"""The WSGI application as `make run` serves it: the embedded Redis is started first (when
REDIS_URL is unset and nobody has started it), then the project's own `repohealth.wsgi`.
A deployment with REDIS_URL serves `repohealth.wsgi:application` directly."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repohealth.settings")

from devserver.embedded_redis import ensure_running  # after the settings module is named

ensure_running()

from repohealth.wsgi import application  # noqa: E402,F401 - served by this module's name
