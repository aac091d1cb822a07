from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Label(models.Model):
    """A named list a repository came from ("awesome-python"); a repository can carry several."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


PREFETCHED_LABELS = "prefetched_labels"


class RepositoryQuerySet(models.QuerySet):
    def with_labels(self) -> RepositoryQuerySet:
        """Each repository's labels read with one query for them all, kept as a plain list
        (`Repository.label_list`). Prefetching `labels` itself would give each repository a
        queryset of its own that refers back to it: a reference cycle per row, which only the
        garbage collector frees (about 25 objects a repository, 1,000 on an API page)."""
        return self.prefetch_related(models.Prefetch("labels", to_attr=PREFETCHED_LABELS))


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

    class Maintenance(models.TextChoices):
        """Is it still looked after? The verdict of repositories/maintenance.py."""
        ACTIVE = "active", "Active"
        QUIET = "quiet", "Quiet"
        INACTIVE = "inactive", "Inactive"
        DEPRECATED = "deprecated", "Deprecated"
        FINISHED = "finished", "Finished"
        UNKNOWN = "unknown", "Unknown"

    class Override(models.TextChoices):
        """What a person may say of one repository, over every signal."""
        FINISHED = "finished", "Finished"
        INACTIVE = "inactive", "Inactive"
        DEPRECATED = "deprecated", "Deprecated"

    imported_name = models.CharField(max_length=140, help_text="owner/name as it stood in the imported list")
    full_name = models.CharField(max_length=140, help_text="canonical owner/name on GitHub")
    github_id = models.BigIntegerField(null=True, blank=True)
    node_id = models.CharField(max_length=100, blank=True)
    html_url = models.URLField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    homepage = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=100, blank=True)
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
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.UNKNOWN)
    health_detail = models.CharField(max_length=300, blank=True)
    previous_names = models.JSONField(default=list, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True, help_text="the last check GitHub answered")
    last_check_error = models.CharField(max_length=300, blank=True,
                                        help_text="why the last check failed, when it did (network, timeout, 5xx)")
    last_check_failed_at = models.DateTimeField(null=True, blank=True)
    metadata_fetched_at = models.DateTimeField(
        null=True, blank=True, help_text="when GitHub last answered a full-metadata request (REST, or the full "
                                         "GraphQL query) for it; lean GraphQL rescans leave it")
    added_at = models.DateTimeField(auto_now_add=True)
    labels = models.ManyToManyField(Label, related_name="repositories", blank=True)
    # A dead outcome (not found, blocked) is only suspected until it repeats (repositories/history.py).
    suspected = models.BooleanField(
        default=False, db_index=True, help_text="dead on its last checks, awaiting its recheck (HEALTH_RECHECK_*)")
    suspected_since = models.DateTimeField(null=True, blank=True, help_text="the first check that saw it dead")
    suspect_checks = models.PositiveSmallIntegerField(default=0, help_text="consecutive checks that saw it dead")
    health_before_suspicion = models.CharField(max_length=20, blank=True,
                                               help_text="its health before the suspicion, while it lasts")
    # Repo-jacking: a name it had or has now answers for another GitHub repository.
    name_reused = models.BooleanField(
        default=False, db_index=True, help_text="a name of it (current or previous) now belongs to another repository")

    # Is it still looked after: the signals (refreshed by scans), the verdict and a person's override.
    last_commit_at = models.DateTimeField(null=True, blank=True, help_text="the newest commit on the default branch")
    commits_last_year = models.PositiveIntegerField(
        null=True, blank=True, help_text="commits on the default branch in the last MAINTAINED_ACTIVE_DAYS "
                                         "(refreshed with the full metadata; null: not asked yet)")
    last_release_at = models.DateTimeField(null=True, blank=True)
    last_release_tag = models.CharField(max_length=255, blank=True)
    signal_etags = models.JSONField(default=dict, blank=True,
                                    help_text="REST: the ETags of the newest-commit and latest-release answers")
    declared = models.CharField(max_length=100, null=True, blank=True,  # noqa: DJ001 - null: none found (the API answers null)

                                help_text="the words of its description or a topic that declare it over")
    successor = models.CharField(max_length=140, null=True, blank=True,  # noqa: DJ001 - null: none found (the API answers null)

                                 help_text="owner/name it names as its successor")
    maintenance = models.CharField(max_length=20, choices=Maintenance.choices, default=Maintenance.UNKNOWN)
    maintenance_reasons = models.JSONField(default=list, blank=True)
    maintenance_override = models.CharField(max_length=20, choices=Override.choices, blank=True)
    maintenance_note = models.CharField(max_length=500, blank=True)
    maintenance_override_by = models.CharField(max_length=150, blank=True)
    maintenance_override_at = models.DateTimeField(null=True, blank=True)

    objects = RepositoryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "repositories"
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(Lower("full_name"), name="repository_full_name_ci_unique"),
        ]
        indexes = [
            models.Index(Lower("imported_name"), name="repository_imported_name_ci"),
            # Each order of the catalog, ties by id (repositories/filters.py): a page reads its rows
            # off the index instead of sorting the whole table, and the API's cursor starts a page
            # where the last one ended (repohealth/web/pagination.py). Each also serves the column's
            # filters.
            models.Index(fields=["full_name", "id"], name="repository_full_name_id"),
            *[models.Index(fields=[column, "id"], name=f"repository_{column}_id")
              for column in ("health", "maintenance", "stars", "forks", "open_issues", "language", "pushed_at",
                             "last_checked_at")],
            # Filters by health and verdict (the catalog's counts are kept apart: repositories/counts.py).
            models.Index(fields=["health", "maintenance"], name="repository_health_maintenance"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def label_list(self) -> list[Label]:
        """Its labels by name: those `with_labels` read, else asked now."""
        if PREFETCHED_LABELS in self.__dict__:
            return self.__dict__[PREFETCHED_LABELS]
        return list(self.labels.all())

    @property
    def label_names(self) -> list[str]:
        return [label.name for label in self.label_list]

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


class CatalogCount(models.Model):
    """How many repositories of the catalog have one value of one kind (a health, a verdict, a
    language, a label's id), kept by every write path in the transaction that changes them
    (repositories/counts.py): the catalog page reads its cards, choices and row counts here
    instead of counting the whole table on each view."""

    class Kind(models.TextChoices):
        HEALTH = "health", "health"
        MAINTENANCE = "maintenance", "maintenance"
        LANGUAGE = "language", "language"
        LABEL = "label", "label"  # the value is the label's id: a label can be renamed

    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.CharField(max_length=100, blank=True)
    n = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="catalog_count_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value!r}: {self.n}"


class RepositoryChange(models.Model):
    """One changed field of interest of one repository, as a scan found it (repositories/history.py).
    `scan_id` is the scan's id as a plain value: the catalog does not depend on scans."""

    class Event(models.TextChoices):
        """What a change means for people who watch (subscriptions choose among these)."""

        DEAD = "dead", "dead"
        ARCHIVED = "archived", "archived"
        MOVED = "moved", "moved"
        INACTIVE = "inactive", "inactive"  # takes the place of `stale` (history.EVENT_ALIASES)
        DEPRECATED = "deprecated", "deprecated"
        MAINTAINED_AGAIN = "maintained_again", "maintained again"
        RECOVERED = "recovered", "back to healthy"
        NAME_REUSED = "name_reused", "name reused"

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="changes")
    full_name = models.CharField(max_length=140, help_text="the repository's name after the change")
    scan_id = models.UUIDField(null=True, blank=True, db_index=True)
    field = models.CharField(max_length=30)
    old = models.JSONField(null=True, blank=True)
    new = models.JSONField(null=True, blank=True)
    event = models.CharField(max_length=20, choices=Event.choices, blank=True, db_index=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["repository", "at"], name="change_repository_at"),
                   models.Index(fields=["at", "id"], name="change_at_id")]  # newest first, by cursor

    def __str__(self) -> str:
        return f"{self.full_name} {self.field}: {self.old!r} -> {self.new!r}"


class MetricSnapshot(models.Model):
    """A repository's counts on one day: written only when one changed, at most one row a day."""

    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="snapshots")
    day = models.DateField()
    stars = models.PositiveIntegerField(default=0)
    forks = models.PositiveIntegerField(default=0)
    open_issues = models.PositiveIntegerField(default=0)
    watchers = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["repository", "day"]
        constraints = [models.UniqueConstraint(fields=["repository", "day"], name="snapshot_one_a_day")]

    def __str__(self) -> str:
        return f"{self.repository_id} on {self.day}: {self.stars} stars"


class Source(models.Model):
    """An imported document, kept as written, so its links can be fixed later (repositories/fixes.py).
    Importing the same label and file name again with other text makes the next version."""

    label = models.CharField(max_length=100, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    format = models.CharField(max_length=20)
    text = models.TextField(help_text="the decoded document exactly as written (BOM and line ends kept)")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["label", "filename", "version"], name="source_one_version")]

    def __str__(self) -> str:
        return f"{self.filename or self.label or 'list'} v{self.version}"


class SourceEntry(models.Model):
    """One repository link of a source: where it stands (line, 1-based; columns, 0-based, end
    exclusive, counted in characters of that line as written) and what it resolved to."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="entries")
    line = models.PositiveIntegerField()
    column = models.PositiveIntegerField(null=True, blank=True, help_text="null: written with escapes, not editable")
    end_column = models.PositiveIntegerField(null=True, blank=True)
    url = models.TextField(help_text="the link exactly as written")
    repository = models.ForeignKey(Repository, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["source", "id"]

    def __str__(self) -> str:
        return f"{self.source_id}:{self.line} {self.url}"


class SourcePackage(models.Model):
    """One package of a dependency document (an SBOM, a lockfile): where it stands, the repository
    it maps to and how that is known (`provenance`: "declared", "module_path" or
    "resolver:<deps.dev's relationProvenance>"), or why it maps to none (`reason`)."""

    # db_index=False: the (source, id) index below serves every lookup by source.
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="packages", db_index=False)
    ecosystem = models.CharField(max_length=30, blank=True, help_text="the package-URL type: npm, pypi, golang...")
    name = models.CharField(max_length=500, help_text="as the document spells it")
    version = models.CharField(max_length=200, blank=True, help_text="blank: not pinned")
    purl = models.TextField(blank=True)
    location = models.CharField(max_length=300, blank=True, help_text="a 1-based line or a JSON pointer")
    repository = models.ForeignKey(Repository, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    provenance = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=200, blank=True, help_text="why it maps to no repository")

    class Meta:
        ordering = ["source", "id"]
        indexes = [models.Index(fields=["source", "id"], name="sourcepackage_source_id")]  # in file order, by cursor

    def __str__(self) -> str:
        return f"{self.source_id}: {self.name}@{self.version or '*'} ({self.ecosystem or '?'})"


class ResolverAnswer(models.Model):
    """deps.dev's answer for one package version (`version` blank: its default version), kept
    DEPSDEV_CACHE_HOURS so that importing the same document again asks nothing."""

    system = models.CharField(max_length=20)
    name = models.CharField(max_length=500)
    version = models.CharField(max_length=200, blank=True)
    repository = models.CharField(max_length=140, blank=True, help_text="owner/name on GitHub; blank: none known")
    how = models.CharField(max_length=40, blank=True, help_text="deps.dev's relationProvenance")
    reason = models.CharField(max_length=200, blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "name", "version"], name="resolver_answer_once")]

    def __str__(self) -> str:
        return f"{self.system}/{self.name}@{self.version or 'default'} -> {self.repository or '-'}"
