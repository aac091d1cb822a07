"""Deleting a repository needs repositories.delete_repository, accepting a new name
repositories.change_repository; staff have both; everyone else gets 403. The ScanJob admin is
read-only, with cancel and resume as its actions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from repositories.models import Repository

pytestmark = pytest.mark.django_db


@pytest.fixture
def repository(api):
    imported = api.post("/api/repositories/import", {"text": "acme/kept", "scan": False}, format="json")
    assert imported.status_code == 201, imported.content
    return Repository.objects.get(full_name="acme/kept")


def grant(user, codename):
    user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="repositories"))


def test_a_user_without_the_permission_cannot_delete_a_repository(api, repository):
    answer = api.delete(f"/api/repositories/{repository.id}/")

    assert answer.status_code == 403
    assert "repositories.delete_repository" in answer.json()["detail"]
    assert Repository.objects.filter(id=repository.id).exists()


def test_staff_and_holders_of_the_permission_can_delete(staff_api, other_api, other_user, repository, api):
    assert staff_api.delete(f"/api/repositories/{repository.id}/").status_code == 204
    api.post("/api/repositories/import", {"text": "acme/second", "scan": False}, format="json")
    second = Repository.objects.get(full_name="acme/second")
    grant(other_user, "delete_repository")

    assert other_api.delete(f"/api/repositories/{second.id}/").status_code == 204


def test_accepting_a_new_name_needs_the_change_permission(api, staff_api, repository):
    assert api.post(f"/api/repositories/{repository.id}/accept-name").status_code == 403
    assert staff_api.post(f"/api/repositories/{repository.id}/accept-name").status_code == 200


def test_the_page_refuses_accept_name_without_the_permission(owner, staff_user, repository):
    client = Client()
    client.force_login(owner)
    assert client.post(f"/repositories/{repository.id}/accept-name").status_code == 403
    client.force_login(staff_user)
    assert client.post(f"/repositories/{repository.id}/accept-name").status_code == 302


def test_reading_stays_open_to_every_logged_in_user(api, repository):
    assert api.get(f"/api/repositories/{repository.id}/").status_code == 200


def test_the_scanjob_admin_is_read_only_with_cancel_and_resume(admin_client, api):
    started = api.post("/api/repositories/import", {"text": "acme/scanned", "scan": True}, format="json")
    job_id = started.json()["job_id"]

    changelist = admin_client.get("/admin/scans/scanjob/")
    page = admin_client.get(f"/admin/scans/scanjob/{job_id}/change/")

    assert changelist.status_code == 200
    assert page.status_code == 200
    actions = [name for name, _ in changelist.context["action_form"].fields["action"].choices if name]
    assert actions == ["cancel_scans", "resume_scans"]
    assert admin_client.get("/admin/scans/scanjob/add/").status_code == 403
    html = page.content.decode()
    assert 'name="_save"' not in html
    assert 'name="_addanother"' not in html
    assert 'name="_continue"' not in html
    assert 'type="text"' not in html, "no editable field"
    assert 'type="number"' not in html, "no editable field"
    assert "<select" not in html, "no editable field"
