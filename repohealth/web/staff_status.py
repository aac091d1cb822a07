"""The staff banner: what stops RepoHealth from working unattended, said on every page to staff.

- the periodic upkeep job has not run for UPKEEP_LATE_SECONDS (it records its last
  run in the cache; before its first run nothing is said, as /healthz does);
- no RQ worker is alive (scans would wait in the queue), or Redis cannot be reached;
- every GitHub token was rejected (the last check's answer in the cache).
The facts are the ones /healthz reports (repohealth.web.healthz), read the same way.
"""

from __future__ import annotations

from repohealth.runtime.times import seconds_between
from repohealth.web import healthz

UPKEEP_LATE_SECONDS = 120


def problems() -> list[str]:
    found = []
    redis_check, _, workers = healthz.check_redis_and_queues()
    if not redis_check["ok"]:
        found.append("Redis cannot be reached: scans cannot start and progress is read from the database.")
    elif not workers["ok"]:
        found.append("No worker is running: scans wait in the queue until one starts.")
    age = seconds_between(healthz.cached(healthz.UPKEEP_LAST_RUN_KEY))
    if age is not None and age > UPKEEP_LATE_SECONDS:
        found.append(f"The periodic upkeep job last ran {int(age // 60)} minutes ago: stuck scans are "
                     "not being reaped.")
    if healthz.cached(healthz.GITHUB_TOKENS_OK_KEY) is False:
        found.append("GitHub rejected every token: scans run without one (60 requests an hour).")
    return found


def staff_banner(request):
    """Context processor: `staff_problems` for staff, computed only when a template asks."""
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated and user.is_staff):
        return {"staff_problems": ()}
    return {"staff_problems": _Lazy(problems)}


class _Lazy:
    """The list, computed the first time a template iterates it or tests it."""

    def __init__(self, compute):
        self._compute, self._value = compute, None

    def _get(self) -> list[str]:
        if self._value is None:
            self._value = self._compute()
        return self._value

    def __iter__(self):
        return iter(self._get())

    def __bool__(self) -> bool:
        return bool(self._get())

    def __len__(self) -> int:
        return len(self._get())
