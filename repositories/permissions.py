"""Who may change the catalog: deleting a repository needs `repositories.delete_repository`,
accepting a moved repository's new name or overruling its maintenance verdict
`repositories.change_repository`. Staff may do both.
Reading, importing and starting scans stay open to every logged-in user."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

DELETE = "repositories.delete_repository"
CHANGE = "repositories.change_repository"


def may(user, permission: str) -> bool:
    return bool(user and user.is_authenticated and user.is_active and (user.is_staff or user.has_perm(permission)))


class RepositoryPermission(BasePermission):
    """For RepositoryViewSet: `destroy` needs DELETE, `accept_name` and `partial_update` (the
    maintenance override) need CHANGE (403 otherwise)."""

    message = "You do not have permission to change the catalog."
    NEEDED = {"destroy": DELETE, "accept_name": CHANGE, "partial_update": CHANGE}

    def has_permission(self, request, view):
        needed = self.NEEDED.get(getattr(view, "action", None))
        if needed is None:
            return True
        if not may(request.user, needed):
            self.message = f"You need the {needed} permission to do this (staff have it)."
            return False
        return True
