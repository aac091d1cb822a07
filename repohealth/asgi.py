import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repohealth.settings")

from repohealth.embedded_redis import ensure_running  # noqa: E402

ensure_running()
application = get_asgi_application()
