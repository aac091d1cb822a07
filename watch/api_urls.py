"""The watch API under /api/ (`api:` names): schedules, subscriptions, the catalog's changes and a
repository's history. Included by `repohealth/urls.py`."""

from django.urls import re_path

from repohealth.web.routers import SLASH, Router
from watch.api import ChangeViewSet, RepositoryHistoryViewSet, ScheduleViewSet, SubscriptionViewSet

router = Router()
router.register("schedules", ScheduleViewSet, basename="schedule")
router.register("subscriptions", SubscriptionViewSet, basename="subscription")
router.register("changes", ChangeViewSet, basename="change")

urlpatterns = [
    re_path(rf"^repositories/(?P<pk>\d+)/history{SLASH}$", RepositoryHistoryViewSet.as_view({"get": "retrieve"}),
            name="repository-history"),
    *router.urls,
]
