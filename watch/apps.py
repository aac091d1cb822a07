from django.apps import AppConfig


class WatchConfig(AppConfig):
    name = "watch"
    verbose_name = "Watch: schedules and alerts"
    default_auto_field = "django.db.models.BigAutoField"
