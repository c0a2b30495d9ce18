"""The company portal (/perusahaan/): a CSR officer's own company only.

Every lookup goes through `for_user(user)` and is narrowed to the officer's company, so another company's
programme or support is a 404. Enterprises are shown without their owner: name, NIB, district, class.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry.models import Enterprise

from . import candidates, impact, services, uploads
from .forms import AddBeneficiaryForm, EndSupportForm, MemberAddForm, ProgrammeForm, SearchForm, UploadForm
from .models import Company, CompanyMember, MemberRole, Programme, Support, SupportStatus

PAGE_SIZE = 50
SEARCH_LIMIT = 20


class PortalLoginView(LoginView):
    template_name = "csr/login.html"
    redirect_authenticated_user = True
    next_page = reverse_lazy("csr:dashboard")

    def get_default_redirect_url(self):
        return str(self.next_page)


def portal_view(view):
    """Signed-in member of a company: the view receives that company (anyone else signed in gets 403)."""

    @login_required(login_url="csr:login")
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        # viewer_role: the signed-in member's role, for the admin-only pages (same query, no extra round trip).
        role = CompanyMember.objects.filter(company=OuterRef("pk"), user=request.user).values("role")[:1]
        company = (
            Company.objects.for_user(request.user).filter(members__user=request.user)
            .annotate(viewer_role=Subquery(role)).first()
        )
        if company is None:
            raise PermissionDenied
        return view(request, company, *args, **kwargs)

    return wrapped


def company_admin_view(view):
    """Like portal_view, for the company's admin members only (an officer gets 403)."""

    @portal_view
    @wraps(view)
    def wrapped(request, company, *args, **kwargs):
        if company.viewer_role != MemberRole.ADMIN:
            raise PermissionDenied
        return view(request, company, *args, **kwargs)

    return wrapped


def _programme(request, company: Company, pk: int) -> Programme:
    return get_object_or_404(Programme.objects.for_user(request.user).filter(company=company), pk=pk)


def _support(request, company: Company, pk: int, *, lock_free=True) -> Support:
    queryset = Support.objects.for_user(request.user).filter(programme__company=company).select_related(
        "programme", "enterprise__regency", "enterprise__district", "reassigned_from__enterprise",
    )
    return get_object_or_404(queryset, pk=pk)


def _first_error(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- dashboard and programmes -------------------------------------------------------------------------


@portal_view
def dashboard(request, company):
    programmes = Programme.objects.for_user(request.user).filter(company=company).annotate(
        active=Count("supports", filter=Q(supports__status=SupportStatus.ACTIVE)),
        graduated=Count("supports", filter=Q(supports__graduated_at__isnull=False)),
        waiting=Count("supports", filter=Q(supports__status=SupportStatus.GRADUATED)),
    )
    waiting = (
        Support.objects.for_user(request.user).filter(programme__company=company).awaiting_reassignment()
        .select_related("programme", "enterprise").order_by("-graduated_at")[:20]
    )
    return render(request, "csr/dashboard.html", {"company": company, "programmes": programmes, "waiting": waiting})


@portal_view
def programme_create(request, company):
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.company = company
        programme = _programme_save(request, form)
        return redirect(programme)
    return render(request, "csr/programme_form.html", {"company": company, "form": form})


@portal_view
def programme_edit(request, company, pk):
    programme = _programme(request, company, pk)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        _programme_save(request, form)
        return redirect(programme)
    return render(request, "csr/programme_form.html", {"company": company, "form": form, "programme": programme})


def _programme_save(request, form: ProgrammeForm) -> Programme:
    saved = services.programme_save(
        programme=form.save(commit=False), target_regencies=form.cleaned_data["target_regencies"],
        target_sectors=form.cleaned_data["target_sectors"],
    )
    programme = saved.programme
    messages.success(request, _("Program %(name)s disimpan.") % {"name": programme.name})
    if saved.closed:
        messages.info(request, _("Program selesai: %(n)s dukungan aktif diakhiri.") % {"n": len(saved.closed)})
    if saved.graduated:
        messages.info(request, _("%(n)s penerima kini di luar sasaran program dan ditandai naik kelas.") % {
            "n": len(saved.graduated),
        })
    return programme


@portal_view
def programme_detail(request, company, pk):
    """The programme's beneficiaries: current class, graduated or not and since when; keyset pages."""
    programme = _programme(request, company, pk)
    status = request.GET.get("status", "")
    supports = programme.supports.select_related("enterprise__district", "enterprise__regency").order_by("-id")
    if status in SupportStatus.values:
        supports = supports.filter(status=status)
    before = request.GET.get("sebelum", "")
    if before.isdigit():
        supports = supports.filter(pk__lt=int(before))
    page = list(supports[: PAGE_SIZE + 1])
    next_before = page[PAGE_SIZE - 1].pk if len(page) > PAGE_SIZE else None
    return render(request, "csr/programme_detail.html", {
        "company": company, "programme": programme, "supports": page[:PAGE_SIZE], "next_before": next_before,
        "status": status, "statuses": SupportStatus.choices,
        "regencies": programme.target_regencies.order_by("name"), "sectors": programme.target_sectors.all(),
    })


# --- beneficiaries ----------------------------------------------------------------------------------


@portal_view
def beneficiary_search(request, company, pk):
    """Search the registry within the programme's target (name, NIB, regency) and add a beneficiary."""
    programme = _programme(request, company, pk)
    if request.method == "POST":
        form = AddBeneficiaryForm(request.POST, programme=programme)
        if form.is_valid():
            enterprise = get_object_or_404(Enterprise.objects.active(), pk=form.cleaned_data["enterprise"])
            try:
                started = services.support_start(
                    programme=programme, enterprise=enterprise, kind=form.cleaned_data["kind"],
                    amount=form.cleaned_data["amount"], started_on=form.cleaned_data["started_on"],
                )
            except ValidationError as exc:
                messages.error(request, _("%(name)s tidak ditambahkan: %(why)s") % {
                    "name": enterprise.name, "why": _first_error(exc),
                })
            else:
                messages.success(request, _("%(name)s ditambahkan sebagai penerima.") % {"name": enterprise.name})
                if started.overlap_since:
                    messages.warning(request, services.overlap_message(started.overlap_since))
        else:
            messages.error(request, _("Data penerima tidak lengkap: periksa jenis, nilai dan tanggal mulai."))
        return redirect(f"{request.path}?{request.GET.urlencode()}")
    form = SearchForm(request.GET or None)
    results = []
    if form.is_valid() and form.cleaned_data["q"]:
        target = services.Target.of(programme)
        found = Enterprise.objects.active().search(form.cleaned_data["q"]).filter(
            size_class__in=programme.size_classes, tier__gte=programme.tier_min, tier__lte=programme.tier_max,
        )
        regency = form.cleaned_data["regency"]
        if regency:
            found = found.filter(regency=regency)
        if target.regencies:
            found = found.filter(regency_id__in=target.regencies)
        if target.sectors is not None:
            found = found.filter(sector_id__in=target.sectors)
        results = list(
            found.select_related("regency", "district").only(
                "id", "name", "nib", "size_class", "tier", "regency__name", "district__name",
            ).order_by("-id")[:SEARCH_LIMIT]
        )
        present = set(
            programme.supports.active().filter(enterprise__in=results).values_list("enterprise_id", flat=True)
        )
        for enterprise in results:
            enterprise.already = enterprise.pk in present
    return render(request, "csr/beneficiary_search.html", {
        "company": company, "programme": programme, "form": form, "results": results,
        "add_form": AddBeneficiaryForm(programme=programme), "limit": SEARCH_LIMIT,
        "closed_reason": services.programme_closed_reason(programme),
    })


@portal_view
def beneficiary_upload(request, company, pk):
    programme = _programme(request, company, pk)
    form = UploadForm(request.POST or None, request.FILES or None, programme=programme)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            report = uploads.beneficiaries_upload(
                programme=programme, upload=upload, filename=upload.name, kind=form.cleaned_data["kind"],
                started_on=form.cleaned_data["started_on"],
            )
        except uploads.UploadError as exc:
            form.add_error("file", str(exc))
    return render(request, "csr/beneficiary_upload.html", {
        "company": company, "programme": programme, "form": form, "report": report,
        "closed_reason": services.programme_closed_reason(programme),
    })


# --- supports: detail, end, reassignment ------------------------------------------------------------


@portal_view
def support_detail(request, company, pk):
    support = _support(request, company, pk)
    suggestions = []
    if support.status == SupportStatus.GRADUATED:
        suggestions = candidates.reassignment_candidates(support.programme, near=support)
    moved_to = Support.objects.filter(reassigned_from=support).select_related("enterprise").first()
    return render(request, "csr/support_detail.html", {
        "company": company, "support": support, "enterprise": support.enterprise, "suggestions": suggestions,
        "moved_to": moved_to, "end_form": EndSupportForm(),
    })


@portal_view
@require_POST
def support_reassign(request, company, pk):
    support = _support(request, company, pk)
    enterprise_id = request.POST.get("enterprise", "")
    if not enterprise_id.isdigit():
        raise Http404
    enterprise = get_object_or_404(Enterprise.objects.all(), pk=int(enterprise_id))
    try:
        new = services.support_reassign(support=support, enterprise=enterprise)
    except ValidationError as exc:
        messages.error(request, _("Dukungan tidak dialihkan: %(why)s") % {"why": _first_error(exc)})
        return redirect(support)
    messages.success(request, _("Dukungan dialihkan ke %(name)s.") % {"name": enterprise.name})
    return redirect(new)


@portal_view
@require_POST
def support_end(request, company, pk):
    support = _support(request, company, pk)
    form = EndSupportForm(request.POST)
    if form.is_valid():
        try:
            services.support_end(support=support, status=form.cleaned_data["status"])
        except ValidationError as exc:
            messages.error(request, _first_error(exc))
        else:
            messages.success(request, _("Dukungan diakhiri."))
    return redirect(support)


# --- impact statement -------------------------------------------------------------------------------


@portal_view
def impact_page(request, company):
    statement = impact.statement(Programme.objects.for_user(request.user).filter(company=company), company=company)
    return render(request, "csr/impact.html", {"company": company, "statement": statement})


@portal_view
def impact_xlsx(request, company):
    statement = impact.statement(Programme.objects.for_user(request.user).filter(company=company), company=company)
    response = HttpResponse(
        impact.as_xlsx(statement), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, impact.filename(company, "xlsx"))
    return response


@portal_view
def impact_pdf(request, company):
    statement = impact.statement(Programme.objects.for_user(request.user).filter(company=company), company=company)
    response = HttpResponse(impact.as_pdf(statement, request=request), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, impact.filename(company, "pdf"))
    return response


# --- company members (the company's admin only) -----------------------------------------------------


def _members(request, company: Company):
    return CompanyMember.objects.for_user(request.user).filter(company=company)


@company_admin_view
def member_list(request, company):
    """A company has a handful of accounts: listed whole, no paging."""
    members = _members(request, company).select_related("user").order_by("user__username")
    return render(request, "csr/member_list.html", {"company": company, "members": members})


@company_admin_view
def member_add(request, company):
    form = MemberAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.member_add(
                company=company, by=request.user, username=data["username"], full_name=data["full_name"],
                email=data["email"], password=data["password"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Akun petugas %(username)s ditambahkan.") % {
                "username": member.user.username,
            })
            return redirect("csr:members")
    return render(request, "csr/member_form.html", {"company": company, "form": form})


@company_admin_view
@require_POST
def member_deactivate(request, company, pk):
    member = get_object_or_404(_members(request, company).select_related("user"), pk=pk)
    try:
        services.member_deactivate(member=member, by=request.user)
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
    else:
        messages.success(request, _("Akun %(username)s dinonaktifkan.") % {"username": member.user.username})
    return redirect("csr:members")
