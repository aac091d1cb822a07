"""The watch app's settings (schedules, history, alerts, outbound requests),
read from the environment once like every other setting; settings.py imports them all (it would
pass 400 lines with them)."""

from __future__ import annotations

from repohealth.env import env_bool, env_email_url, env_int, env_str, env_url

WATCH_UPKEEP_TASKS = [  # in this order on every upkeep pass (watch/tasks.py)
    "watch.tasks.start_due_schedules",
    "watch.tasks.start_dead_rechecks",
    "watch.tasks.digest_finished_scans",
    "watch.tasks.send_due_deliveries",
    "watch.tasks.prune",
]
# Names in the API schema of the choice sets the watch API shares with others (drf-spectacular).
WATCH_ENUM_NAMES = {"EventEnum": "repositories.models.RepositoryChange.Event",
                    "StatusEnum": "scans.models.ScanJob.Status", "DeliveryStatusEnum": "watch.models.Delivery.Status"}
# A repository is dead (not found, blocked) for alerts only when that outcome repeats in this many
# consecutive checks at least this many seconds apart; until then it is `suspected`, and the
# upkeep job rechecks it once the gap has passed.
HEALTH_RECHECK_SCANS = env_int("HEALTH_RECHECK_SCANS", 2, minimum=1, maximum=10, deprecated="HEALTH_CONFIRM_SCANS")
HEALTH_RECHECK_SECONDS = env_int("HEALTH_RECHECK_SECONDS", 1800, minimum=0, deprecated="HEALTH_CONFIRM_SECONDS")
# The length of a schedule's "minute" in seconds: 60, except in tests (which use 1).
SCHEDULE_MINUTE_SECONDS = env_int("SCHEDULE_MINUTE_SECONDS", 60, minimum=1)
# Scan results and deliveries older than this are pruned (in batches, by the upkeep job); the
# latest result of every repository and every change row are kept.
RETENTION_DAYS = env_int("RETENTION_DAYS", 90, minimum=1)
RETENTION_BATCH = env_int("RETENTION_BATCH", 5000, minimum=100, maximum=100_000)
# Webhook targets: https only unless ALERT_ALLOW_HTTP; public addresses only unless
# ALERT_ALLOW_PRIVATE_TARGETS (repohealth/runtime/outbound.py).
ALERT_ALLOW_HTTP = env_bool("ALERT_ALLOW_HTTP", False)
ALERT_ALLOW_PRIVATE_TARGETS = env_bool("ALERT_ALLOW_PRIVATE_TARGETS", False)
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 6, minimum=1, maximum=20)
WEBHOOK_RETRY_SECONDS = env_int("WEBHOOK_RETRY_SECONDS", 30, minimum=1)  # doubled after each failure
WEBHOOK_DISABLE_AFTER = env_int("WEBHOOK_DISABLE_AFTER", 20, minimum=1)  # failures in a row
# Where e-mails, feeds and webhooks point people (links to repositories, scans, unsubscribing).
SITE_URL = env_url("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000, minimum=1, maximum=65535)}",
                   schemes=("http", "https")).rstrip("/")
# E-mail: EMAIL_URL=smtp://user:password@host:587 (or smtp+tls://, smtps://); console by default.
_email = env_email_url("EMAIL_URL", "console://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = _email.get("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "RepoHealth <repohealth@localhost>")
del _email
