from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower


class Label(models.Model):
    """A named list a repository came from ("awesome-python"); a repository can carry several."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Repository(models.Model):
    class Health(models.TextChoices):
        UNKNOWN = "unknown", "Unknown"
        HEALTHY = "healthy", "Healthy"
        STALE = "stale", "Stale"
        ARCHIVED = "archived", "Archived"
        MOVED = "moved", "Moved"
        NOT_FOUND = "not_found", "Not found"
        BLOCKED = "blocked", "Blocked"
        ERROR = "error", "Error"

    imported_name = models.CharField(max_length=140, help_text="owner/name as it stood in the imported list")
    full_name = models.CharField(max_length=140, help_text="canonical owner/name on GitHub")
    github_id = models.BigIntegerField(null=True, blank=True)
    node_id = models.CharField(max_length=100, blank=True)
    html_url = models.URLField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    homepage = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=100, blank=True, db_index=True)
    topics = models.JSONField(default=list, blank=True)
    license = models.CharField(max_length=100, blank=True, help_text="SPDX id")
    stars = models.PositiveIntegerField(default=0)
    forks = models.PositiveIntegerField(default=0)
    open_issues = models.PositiveIntegerField(default=0)
    watchers = models.PositiveIntegerField(default=0, help_text="subscribers")
    default_branch = models.CharField(max_length=255, blank=True)
    archived = models.BooleanField(default=False)
    disabled = models.BooleanField(default=False)
    fork = models.BooleanField(default=False)
    pushed_at = models.DateTimeField(null=True, blank=True)
    created_at_github = models.DateTimeField(null=True, blank=True)
    etag = models.CharField(max_length=200, blank=True)
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.UNKNOWN, db_index=True)
    health_detail = models.CharField(max_length=300, blank=True)
    previous_names = models.JSONField(default=list, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True, db_index=True)
    metadata_fetched_at = models.DateTimeField(
        null=True, blank=True, help_text="when GitHub last answered a full-metadata request (REST, or the full "
                                         "GraphQL query) for it; lean GraphQL rescans leave it")
    added_at = models.DateTimeField(auto_now_add=True)
    labels = models.ManyToManyField(Label, related_name="repositories", blank=True)

    class Meta:
        verbose_name_plural = "repositories"
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("full_name"), name="repository_full_name_ci_unique"),
        ]
        indexes = [
            models.Index(Lower("imported_name"), name="repository_imported_name_ci"),
            models.Index(fields=["stars"], name="repository_stars"),
            models.Index(fields=["pushed_at"], name="repository_pushed_at"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]

    @property
    def name(self) -> str:
        return self.full_name.split("/", 1)[-1]

    @property
    def github_url(self) -> str:
        return self.html_url or f"https://github.com/{self.full_name}"

    @property
    def metadata_known(self) -> bool:
        """Whether the stars, forks, archived flag... are GitHub's: it has answered for this
        repository and the repository is still there. Otherwise the pages show "—", not 0 or "no"."""
        return self.github_id is not None and self.health != self.Health.NOT_FOUND

    @property
    def has_moved(self) -> bool:
        """The list it came from still holds the old link until a person accepts the new name."""
        return self.imported_name.lower() != self.full_name.lower()
