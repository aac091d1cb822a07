"""Import shim: the periodic job's function was `repohealth.maintenance.run` before it moved to
`repohealth.runtime.upkeep`. RQ stores a job's function by its dotted path, so a job queued by an
older scheduler still finds it here. Safe to delete in release 3.0, once no queue can hold such a job."""

from repohealth.runtime.upkeep import run  # noqa: F401 - the old dotted path of the job

