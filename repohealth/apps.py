from django.apps import AppConfig


class RepoHealthConfig(AppConfig):
    """The project's shared plumbing as an app, so that every process connects its receivers:
    the cached API token lookup forgets a token as soon as it is deleted or its user changes."""

    name = "repohealth"
    verbose_name = "RepoHealth"

    def ready(self) -> None:
        from repohealth.web import auth

        auth.connect()
