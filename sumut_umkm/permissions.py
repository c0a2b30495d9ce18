"""API permission classes. Kept apart from api.py: a class named in DEFAULT_PERMISSION_CLASSES must
not import rest_framework.views (circular import)."""

from rest_framework.permissions import BasePermission


class IsStaff(BasePermission):
    """Diskop UKM staff only (anonymous → 401/403). Portals for other roles come with their issues."""

    message = "Hanya petugas Diskop UKM yang dapat mengakses API ini."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)
