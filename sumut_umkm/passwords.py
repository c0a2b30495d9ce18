"""Password change and "forgot password" for the two portals (company officers at /perusahaan/, MSME owners at
/layanan/), built on Django's own auth views; only templates, labels and the reset recipients are ours.

Each portal includes `csr_urlpatterns` / `plut_urlpatterns` into its own namespace, so the names are e.g.
"csr:password-change" and "plut:password-reset". The reset is not rate limited beyond Django's default:
django-axes only counts failed sign-ins, and the reset answers the same whether or not the address exists.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _

from csr.views import portal_view


class ChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password checked, AUTH_PASSWORD_VALIDATORS applied), with our wording."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Kata sandi lama")
        self.fields["new_password1"].label = _("Kata sandi baru")
        self.fields["new_password2"].label = _("Ulangi kata sandi baru")


class ResetForm(auth_forms.PasswordResetForm):
    """Staff accounts are reset by an administrator, never through a portal: they get no mail from here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Alamat e-mail")

    def get_users(self, email):
        return (user for user in super().get_users(email) if not user.is_staff)


class SetForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Kata sandi baru")
        self.fields["new_password2"].label = _("Ulangi kata sandi baru")


class ChangeView(auth_views.PasswordChangeView):
    form_class = ChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)  # saves and keeps this session signed in (update_session_auth_hash)
        messages.success(self.request, _("Kata sandi Anda telah diubah."))
        return response

    def get_context_data(self, **kwargs):
        # The portal guard's extras (the CSR company) are what the portal menu needs.
        return super().get_context_data(**self.kwargs, **kwargs)


def _urlpatterns(portal: str, guard, *, signed_in_base: str, public_base: str) -> list:
    """The six pages of one portal. `guard` signs the change pages in (and may add menu context as kwargs);
    the templates extend `page_base`, a thin wrapper around the portal's own layout."""
    signed_in = {"page_base": signed_in_base, "portal": portal}
    context = {"page_base": public_base, "portal": portal}
    change = ChangeView.as_view(
        template_name="passwords/change.html", success_url=reverse_lazy(f"{portal}:password-change-done"),
        extra_context=signed_in,
    )
    change_done = auth_views.PasswordChangeDoneView.as_view(
        template_name="passwords/change_done.html", extra_context=signed_in,
    )
    return [
        path("kata-sandi/", guard(change), name="password-change"),
        path("kata-sandi/selesai/", guard(change_done), name="password-change-done"),
        path("lupa-kata-sandi/", auth_views.PasswordResetView.as_view(
            form_class=ResetForm,
            template_name="passwords/reset.html",
            email_template_name="passwords/reset_email.txt",
            subject_template_name="passwords/reset_subject.txt",
            # The link in the mail is built from SITE_URL, like our other mails, not from the request's Host.
            extra_email_context={"site_url": settings.SITE_URL, "portal": portal},
            success_url=reverse_lazy(f"{portal}:password-reset-done"),
            extra_context=context,
        ), name="password-reset"),
        path("lupa-kata-sandi/terkirim/", auth_views.PasswordResetDoneView.as_view(
            template_name="passwords/reset_done.html", extra_context=context,
        ), name="password-reset-done"),
        path("lupa-kata-sandi/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(
            form_class=SetForm,
            template_name="passwords/reset_confirm.html",
            success_url=reverse_lazy(f"{portal}:password-reset-complete"),
            extra_context=context,
        ), name="password-reset-confirm"),
        path("lupa-kata-sandi/selesai/", auth_views.PasswordResetCompleteView.as_view(
            template_name="passwords/reset_complete.html", extra_context=context,
        ), name="password-reset-complete"),
    ]


def _csr_guard(view):
    # A company member only (else 403); the company goes to the view for the portal menu.
    return portal_view(lambda request, company: view(request, company=company))


# The CSR portal menu names the company, so the public pages use the sign-in page's plain layout instead.
csr_urlpatterns = _urlpatterns(
    "csr", _csr_guard, signed_in_base="passwords/csr_portal.html", public_base="passwords/csr_public.html",
)
# Every signed-in PLUT user (owners, consultants, staff) may change their own password here.
plut_urlpatterns = _urlpatterns(
    "plut", login_required(login_url=reverse_lazy("plut:login")),
    signed_in_base="passwords/plut.html", public_base="passwords/plut.html",
)
