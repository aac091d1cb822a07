"""The WSGI application that gunicorn serves (`make run`, the web machines, the bench)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "repohealth.settings")

application = get_wsgi_application()
# What the app loaded lives as long as the process: out of the garbage collector's way, a full
# collection walks only the requests' objects (an API page of 1,000 rows took twice as long when
# one walked Django's whole heap as well).
gc.freeze()
