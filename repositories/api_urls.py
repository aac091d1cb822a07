"""The catalog API under /api/ (`api:` names): repositories and the sources they were imported from.
Included by `repohealth/urls.py`."""

from repohealth.web.routers import Router
from repositories.api import RepositoryViewSet
from repositories.source_api import SourceViewSet

router = Router()
router.register("repositories", RepositoryViewSet, basename="repository")
router.register("sources", SourceViewSet, basename="source")

urlpatterns = router.urls
