"""API permission classes. Kept apart from api.py: a class named in DEFAULT_PERMISSION_CLASSES must
not import rest_framework.views (circular import)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission, DjangoModelPermissions


class IsStaff(BasePermission):
    """Diskop UKM staff only (anonymous → 401/403). Portals for other roles come with their issues."""

    message = _("Hanya petugas Diskop UKM yang dapat mengakses API ini.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.is_staff)


class ModelPermissions(DjangoModelPermissions):
    """Django model permissions with `view_*` required for reads too (DRF itself only checks writes),
    so a staff account reads and writes exactly what its role (sumut_umkm.roles) grants."""

    message = _("Peran Anda tidak memiliki izin untuk tindakan ini.")
    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }


def require_perms(*perms: str) -> type[BasePermission]:
    """Permission class for one custom action, e.g. require_perms("registry.add_yearlyreport")."""

    class RequirePerms(BasePermission):
        message = _("Peran Anda tidak memiliki izin untuk tindakan ini.")

        def has_permission(self, request, view) -> bool:
            return request.user.has_perms(perms)

    return RequirePerms
