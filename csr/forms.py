"""Forms of the company portal (thin: the writes are in csr.services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.models import Region, Sector, SectorLevel, SizeClass

from .models import PROGRAMME_KIND_CHOICES, Programme, SupportStatus

UPLOAD_MAX_BYTES = 5 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProgrammeForm(forms.ModelForm):
    kinds = forms.MultipleChoiceField(
        label=_("Jenis dukungan"), choices=PROGRAMME_KIND_CHOICES, widget=forms.CheckboxSelectMultiple,
    )
    size_classes = forms.MultipleChoiceField(
        label=_("Kelas usaha sasaran"), choices=SizeClass.choices, widget=forms.CheckboxSelectMultiple,
    )
    target_regencies = forms.ModelMultipleChoiceField(
        label=_("Kabupaten/kota sasaran"), queryset=Region.objects.regencies().order_by("name"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Kosong = seluruh provinsi."),
    )
    target_sectors = forms.ModelMultipleChoiceField(
        label=_("Sektor sasaran (kategori KBLI)"), required=False, widget=forms.CheckboxSelectMultiple,
        queryset=Sector.objects.filter(version="2020", level=SectorLevel.SECTION).order_by("code"),
        help_text=_("Kosong = semua sektor."),
    )

    class Meta:
        model = Programme
        fields = [
            "name", "description", "kinds", "budget", "starts_on", "ends_on", "status", "size_classes", "tier_min",
            "tier_max", "target_regencies", "target_sectors",
        ]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}


class AddBeneficiaryForm(forms.Form):
    enterprise = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Jenis dukungan"), choices=PROGRAMME_KIND_CHOICES)
    amount = forms.IntegerField(label=_("Nilai (Rp)"), required=False, min_value=0)
    started_on = forms.DateField(label=_("Mulai"), required=False, widget=DateInput())

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, v) for k, v in PROGRAMME_KIND_CHOICES if k in programme.kinds]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Nama usaha atau NIB"), required=False, max_length=100)
    regency = forms.ModelChoiceField(
        label=_("Kabupaten/kota"), queryset=Region.objects.regencies().order_by("name"), required=False,
        empty_label=_("Semua sasaran"),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Berkas CSV atau XLSX"), help_text=_("Kolom wajib: NIB. Kolom pilihan: jenis, nilai, mulai."),
    )
    kind = forms.ChoiceField(label=_("Jenis dukungan (bila kolom jenis kosong)"), choices=PROGRAMME_KIND_CHOICES)
    started_on = forms.DateField(label=_("Mulai (bila kolom mulai kosong)"), required=False, widget=DateInput())

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, v) for k, v in PROGRAMME_KIND_CHOICES if k in programme.kinds]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("Berkas terlalu besar (paling besar 5 MB)."))
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx", ".txt")):
            raise forms.ValidationError(_("Berkas harus CSV atau XLSX."))
        return upload


class EndSupportForm(forms.Form):
    status = forms.ChoiceField(choices=[
        (SupportStatus.COMPLETED, SupportStatus.COMPLETED.label), (SupportStatus.STOPPED, SupportStatus.STOPPED.label),
    ])


class MemberAddForm(forms.Form):
    """A new officer account; csr.services.member_add validates it against the user model and the password
    validators (errors come back on these fields)."""

    username = forms.CharField(label=_("Nama pengguna"), max_length=150)
    full_name = forms.CharField(label=_("Nama lengkap"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    password = forms.CharField(
        label=_("Kata sandi awal"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Sampaikan kepada petugas secara pribadi, bukan lewat email."),
    )
    password2 = forms.CharField(
        label=_("Ulangi kata sandi"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("Kata sandi ulangan tidak sama dengan kata sandi awal."))
        return data
