"""MSME portal pages and the request page every role shares. Every read goes through `for_user`: a record
outside the user's scope is a 404, the same as one that does not exist."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.models import FormalStep, Permit, YearlyReport

from . import forms, services
from .models import (
    Attachment,
    EnterpriseClaim,
    Event,
    EventRegistration,
    RegistrationStatus,
    RequestEvent,
    RequestStatus,
    Service,
    ServiceRequest,
    user_role,
)

LOGIN = reverse_lazy("plut:login")


def role_required(*allowed: str):
    """Signed in (else to the login page) and holding one of these PLUT roles (else 403)."""

    def decorator(view):
        @login_required(login_url=LOGIN)
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if user_role(request.user) not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def form_errors_from(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form fields it names (the rest on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- public -------------------------------------------------------------------------------------------------


def catalogue(request):
    return render(request, "plut/catalogue.html", {"services": Service.objects.active()})


class MsmeLoginView(LoginView):
    template_name = "plut/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        if user_role(self.request.user) in ("staff", "consultant"):
            return reverse("plut:queue")
        return reverse("plut:portal")


def signup(request):
    if request.user.is_authenticated:
        return redirect("plut:portal")
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.msme_signup(
                username=data["username"], password=data["password1"], email=data["email"],
                full_name=data["full_name"], **form.claim_fields(),
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Akun dibuat. Petugas PLUT akan memverifikasi usaha Anda."))
            return redirect("plut:portal")
    return render(request, "plut/signup.html", {"form": form})


# --- MSME portal -------------------------------------------------------------------------------------------


@role_required("msme")
def portal(request):
    user = request.user
    return render(request, "plut/portal.html", {
        "claims": EnterpriseClaim.objects.for_user(user).select_related("enterprise", "regency"),
        "requests": ServiceRequest.objects.for_user(user).select_related("service", "enterprise")[:20],
        "registrations": EventRegistration.objects.for_user(user).select_related("event", "enterprise")
        .exclude(status=RegistrationStatus.CANCELLED).filter(event__ends_at__gte=timezone.now())[:10],
    })


@role_required("msme")
def claim_add(request):
    form = forms.ClaimForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.claim_create(user=request.user, **form.claim_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Permintaan terkirim; petugas PLUT akan memverifikasinya."))
            return redirect("plut:portal")
    return render(request, "plut/claim_form.html", {"form": form})


def _own_enterprise(request, pk):
    return get_object_or_404(services.enterprises_of(request.user).select_related("regency"), pk=pk)


def _enterprise_page(request, enterprise, form, permit_form=None):
    """The owner's enterprise page: class and formalisation step, profile form, permits, yearly figures."""
    return render(request, "plut/enterprise_form.html", {
        "form": form, "enterprise": enterprise, "permit_form": permit_form or forms.PermitForm(),
        "reports": YearlyReport.objects.filter(enterprise=enterprise).order_by("-year")[:10],
        "permits": Permit.objects.filter(enterprise=enterprise).order_by("kind", "-issued_on", "-id")[:50],
        "formal_steps": FormalStep.choices, "today": timezone.localdate(),
    }, status=400 if form.errors or (permit_form is not None and permit_form.errors) else 200)


@role_required("msme")
def enterprise_edit(request, pk):
    enterprise = _own_enterprise(request, pk)
    form = forms.EnterpriseProfileForm(request.POST or None, instance=enterprise)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            # A fresh copy: the form has already written the typed values into its instance, and the service
            # compares the NIB it is given with the instance's (the claim follows a changed NIB).
            services.enterprise_profile_save(user=request.user, enterprise=_own_enterprise(request, pk), **fields)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Profil usaha disimpan."))
            return redirect("plut:enterprise-edit", pk=enterprise.pk)
    if form.errors:
        enterprise = _own_enterprise(request, pk)  # the heading shows what is stored, not what was typed
    return _enterprise_page(request, enterprise, form)


@role_required("msme")
@require_POST
def permit_add(request, pk):
    enterprise = _own_enterprise(request, pk)
    permit_form = forms.PermitForm(request.POST)
    if permit_form.is_valid():
        from registry import services as registry_services

        try:
            registry_services.permit_save(enterprise=enterprise, **permit_form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(permit_form, exc)
        else:
            messages.success(request, _("Izin/sertifikat disimpan; tahap formalisasi usaha dihitung ulang."))
            return redirect(reverse("plut:enterprise-edit", args=[enterprise.pk]) + "#izin")
    return _enterprise_page(request, enterprise, forms.EnterpriseProfileForm(instance=enterprise), permit_form)


@role_required("msme")
def figures(request, pk):
    enterprise = _own_enterprise(request, pk)
    form = forms.FiguresForm(request.POST or None, initial={"year": timezone.localdate().year - 1})
    if request.method == "POST" and form.is_valid():
        try:
            services.yearly_figures_save(user=request.user, enterprise=enterprise, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Laporan tahunan disimpan; kelas usaha akan dihitung ulang."))
            return redirect("plut:enterprise-edit", pk=enterprise.pk)
    return render(request, "plut/figures_form.html", {"form": form, "enterprise": enterprise})


@role_required("msme", "staff")
def request_new(request):
    enterprises = services.enterprises_of(request.user)
    initial = {"service": request.GET.get("layanan")}
    form = forms.RequestForm(request.POST or None, request.FILES or None, enterprises=enterprises, initial=initial)
    if user_role(request.user) == "msme" and not enterprises.exists():
        messages.warning(request, _("Usaha Anda belum dikonfirmasi petugas; permohonan dapat diajukan setelahnya."))
        return redirect("plut:portal")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.request_submit(
                user=request.user, enterprise=data["enterprise"], service=data["service"], centre=data["centre"],
                description=data["description"], files=data["files"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Permohonan #%(id)s diajukan.") % {"id": created.pk})
            return redirect(created)
    return render(request, "plut/request_form.html", {"form": form})


# --- the request page (all roles) ------------------------------------------------------------------------------


def _scoped_request(request, pk):
    return get_object_or_404(
        ServiceRequest.objects.for_user(request.user).select_related(
            "service", "centre", "enterprise__owner", "enterprise__regency", "enterprise__district",
            "enterprise__sector", "consultant__user"), pk=pk)


def _detail_context(request, service_request, **forms_given):
    user = request.user
    role = user_role(user)
    moves = services.allowed_transitions(service_request, user)
    labels = dict(RequestStatus.choices)
    return {
        "req": service_request,
        "role": role,
        # Staff with registry rights may open the enterprise's registry page; a consultant sees what the visit
        # needs here instead (the registry's lists and pages are not theirs).
        "registry_link": role == "staff" and user.has_perm("registry.view_enterprise"),
        "moves": [(to, labels[to]) for to in moves],
        "cancelled": RequestStatus.CANCELLED,  # the one move the page asks the MSME to confirm
        "history": RequestEvent.objects.for_user(user).filter(request=service_request).select_related("actor"),
        "attachments": Attachment.objects.for_user(user).filter(request=service_request),
        "overdue": service_request.is_overdue(),
        "transition_form": forms_given.get("transition_form")
        or forms.TransitionForm(centre_id=service_request.centre_id),
        "message_form": forms_given.get("message_form") or forms.MessageForm(),
        "note_form": forms_given.get("note_form") or forms.NoteForm(),
        "rate_form": forms_given.get("rate_form") or forms.RateForm(),
    }


@role_required("msme", "staff", "consultant")
def request_detail(request, pk):
    service_request = _scoped_request(request, pk)
    return render(request, "plut/request_detail.html", _detail_context(request, service_request))


def _rerender(request, service_request, **given):
    return render(request, "plut/request_detail.html", _detail_context(request, service_request, **given),
                  status=400)


@role_required("msme", "staff", "consultant")
@require_POST
def request_transition(request, pk):
    service_request = _scoped_request(request, pk)
    form = forms.TransitionForm(request.POST, centre_id=service_request.centre_id)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.request_transition(
                request=service_request, user=request.user, to=data["to"], note=data["note"],
                consultant=data["consultant"], scheduled_at=data["scheduled_at"], location=data["location"],
                online_link=data["online_link"], outcome=data["outcome"],
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Status permohonan diperbarui."))
            return redirect(service_request)
    return _rerender(request, service_request, transition_form=form)


@role_required("msme", "staff", "consultant")
@require_POST
def request_message(request, pk):
    service_request = _scoped_request(request, pk)
    form = forms.MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.request_message(request=service_request, user=request.user, text=form.cleaned_data["text"],
                                     files=form.cleaned_data["files"])
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Pesan terkirim."))
            return redirect(service_request)
    return _rerender(request, service_request, message_form=form)


@role_required("staff", "consultant")
@require_POST
def request_note(request, pk):
    return _request_form_post(request, pk, forms.NoteForm, services.request_note, _("Catatan disimpan."), "note_form")


@role_required("msme")
@require_POST
def request_rate(request, pk):
    return _request_form_post(
        request, pk, forms.RateForm, services.request_rate, _("Terima kasih atas penilaian Anda."), "rate_form"
    )


def _request_form_post(request, pk, form_class, service, success: str, form_name: str):
    """A form on a request's page: valid → the service (its refusal lands on the form) → back to the page with
    `success`; otherwise the page again with the form as typed."""
    service_request = _scoped_request(request, pk)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            service(request=service_request, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, success)
            return redirect(service_request)
    return _rerender(request, service_request, **{form_name: form})


@role_required("msme", "staff", "consultant")
def attachment_download(request, pk):
    attachment = get_object_or_404(Attachment.objects.for_user(request.user), pk=pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


# --- events -----------------------------------------------------------------------------------------------


@role_required("msme", "staff", "consultant")
def event_list(request):
    events = Event.objects.for_user(request.user).upcoming(timezone.now()).select_related("centre") \
        .order_by("starts_at")[:50]
    return render(request, "plut/event_list.html", {"events": events})


@role_required("msme", "staff", "consultant")
def event_detail(request, pk):
    event = get_object_or_404(Event.objects.for_user(request.user).select_related("centre"), pk=pk)
    role = user_role(request.user)
    registrations = EventRegistration.objects.for_user(request.user).filter(event=event).select_related("enterprise")
    enterprises = services.enterprises_of(request.user) if role == "msme" else None
    form = forms.EventRegisterForm(request.POST or None, enterprises=enterprises) if role == "msme" else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            registration = services.event_register(event=event, enterprise=form.cleaned_data["enterprise"],
                                                   user=request.user)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            if registration.status == RegistrationStatus.REGISTERED:
                messages.success(request, _("Anda terdaftar pada kegiatan ini."))
            else:
                messages.info(request, _("Kuota penuh; Anda masuk daftar tunggu dan dikabari bila ada tempat."))
            return redirect(event)
    taken = EventRegistration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()
    return render(request, "plut/event_detail.html", {
        "event": event, "role": role, "form": form, "taken": taken,
        "registrations": registrations.exclude(status=RegistrationStatus.CANCELLED),
    }, status=400 if form is not None and form.errors else 200)


@role_required("msme", "staff")
@require_POST
def registration_cancel(request, pk):
    registration = get_object_or_404(EventRegistration.objects.for_user(request.user), pk=pk)
    try:
        services.registration_cancel(registration=registration, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Pendaftaran dibatalkan."))
    return redirect("plut:event-detail", pk=registration.event_id)


@role_required("staff")
@require_POST
def event_attendance(request, pk):
    event = get_object_or_404(Event.objects.for_user(request.user), pk=pk)
    ids = {int(value) for value in request.POST.getlist("attended") if value.isdigit()}
    # Only the registrations this user sees (a regency office: its regency's) are ticked or un-ticked.
    services.attendance_set(registrations=EventRegistration.objects.for_user(request.user).filter(event=event),
                            attended_ids=ids)
    messages.success(request, _("Kehadiran disimpan."))
    return redirect(event)
