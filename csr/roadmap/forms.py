"""The roadmap's filters, read from the query string: the same parameters for the pages and their exports."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Region, SizeClass, SupportKind, SupportSource

from .queries import PERIOD_ACTIVE, PERIOD_ALL, Filters

YEARS_BACK = 10


def period_choices() -> list[tuple[str, str]]:
    this_year = timezone.localdate().year
    return [(PERIOD_ACTIVE, _("Aktif hari ini")), (PERIOD_ALL, _("Sepanjang waktu"))] + [
        (str(year), str(year)) for year in range(this_year, this_year - YEARS_BACK, -1)
    ]


class RoadmapFilterForm(forms.Form):
    """`scope`: the regency a regency office's staff are limited to; every filter is then narrowed to it,
    whatever the query string says."""

    period = forms.ChoiceField(label=_("periode"), required=False)
    source = forms.ChoiceField(
        label=_("sumber"), required=False, choices=[("", _("Semua sumber")), *SupportSource.choices]
    )
    kind = forms.ChoiceField(
        label=_("jenis dukungan"), required=False, choices=[("", _("Semua jenis")), *SupportKind.choices]
    )
    size_class = forms.ChoiceField(
        label=_("kelas usaha"), required=False, choices=[("", _("Semua kelas")), *SizeClass.choices]
    )

    def __init__(self, *args, scope: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["period"].choices = period_choices()

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(
            period=data.get("period") or PERIOD_ACTIVE, source=data.get("source") or "",
            kind=data.get("kind") or "", size_class=data.get("size_class") or "", regency=self.scope or "",
        )


class OverlapFilterForm(RoadmapFilterForm):
    regency = forms.ChoiceField(label=_("kabupaten/kota"), required=False)
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = regency_names(self.scope)
        # A regency office's staff get their regency as the only choice: another one is a form error.
        empty = [] if self.scope else [("", _("Semua kabupaten/kota"))]
        self.fields["regency"].choices = empty + [(code, f"{code} {name}") for code, name in names]

    def filters(self) -> Filters:
        base = super().filters()
        return Filters(**{**base.__dict__, "regency": self.scope or self.cleaned_data.get("regency") or ""})


class MicroFilterForm(RoadmapFilterForm):
    """The gap list and the map are about micro enterprises: no size-class filter."""

    size_class = None


class GapFilterForm(MicroFilterForm):
    threshold = forms.DecimalField(
        label=_("batas cakupan UMKM mikro (%)"), required=False, min_value=0, max_value=100, decimal_places=2,
        help_text=_("Kabupaten/kota dengan cakupan di bawah batas ini, atau tanpa dukungan sama sekali."),
    )

    DEFAULT_THRESHOLD = 1

    def threshold_value(self) -> float:
        value = self.cleaned_data.get("threshold")
        return float(self.DEFAULT_THRESHOLD if value is None else value)


def regency_names(scope: str | None = None) -> list[tuple[str, str]]:
    """The 33 regencies and cities of North Sumatra (province 12), by Kemendagri code; only `scope` if given."""
    regencies = Region.objects.regencies().filter(code__startswith="12.")
    if scope:
        regencies = regencies.filter(code=scope)
    return list(regencies.values_list("code", "name"))


def error_text(form: forms.Form) -> list[str]:
    """"periode: Pilih pilihan yang valid…" — each error with the field it is about."""
    return [
        f"{form.fields[name].label}: {message}" if name in form.fields else message
        for name, messages in form.errors.items() for message in messages
    ]
