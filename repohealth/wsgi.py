import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repohealth.settings")

from repohealth.embedded_redis import ensure_running  # noqa: E402

ensure_running()
application = get_wsgi_application()
