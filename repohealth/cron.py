"""What RQ's cron scheduler enqueues: `manage.py rqcron repohealth.cron` (make run starts it)."""

from django.conf import settings
from rq import cron

from repohealth.runtime.upkeep import QUEUE, run

cron.register(run, QUEUE, interval=settings.UPKEEP_INTERVAL_SECONDS, job_timeout=settings.UPKEEP_LOCK_SECONDS,
              result_ttl=600, failure_ttl=24 * 3600, name="repohealth-upkeep")
