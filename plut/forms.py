"""Forms of the MSME portal and the staff pages. Thin: the services check the rules and raise field errors."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry import identity
from registry.models import Enterprise, PermitKind, Region, RegionLevel, Sector

from .models import Centre, Consultant, RequestStatus, Service


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


FILES_HELP = _("PDF, JPEG atau PNG, paling besar 5 MB per berkas.")


def regency_field(required: bool = False):
    return forms.ModelChoiceField(
        Region.objects.filter(level=RegionLevel.REGENCY).order_by("name"), label=_("Kabupaten/kota"),
        required=required,
    )


class EnterpriseFieldsMixin(forms.Form):
    """Claim by NIB, or the details of a new enterprise when it is not in the registry yet."""

    nib = forms.CharField(
        label=_("NIB"), max_length=20, required=False,
        help_text=_("13 digit dari OSS. Bila usaha Anda sudah terdaftar, cukup isi NIB."),
    )
    name = forms.CharField(label=_("Nama usaha (untuk usaha baru)"), max_length=200, required=False)
    regency = regency_field()
    district = forms.ModelChoiceField(
        Region.objects.filter(level=RegionLevel.DISTRICT).order_by("name"), label=_("Kecamatan"), required=False,
    )
    sector = forms.ModelChoiceField(
        Sector.objects.filter(version="2020", level="division").order_by("code"), label=_("Sektor (KBLI)"),
        required=False,
    )
    address = forms.CharField(label=_("Alamat usaha"), max_length=255, required=False)

    def claim_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "nib": data.get("nib") or None, "name": data.get("name") or "",
            "regency_id": data["regency"].pk if data.get("regency") else None,
            "district_id": data["district"].pk if data.get("district") else None,
            "sector_id": data["sector"].pk if data.get("sector") else None,
            "address": data.get("address") or "",
        }


class SignupForm(EnterpriseFieldsMixin):
    username = forms.CharField(label=_("Nama pengguna"), max_length=150)
    full_name = forms.CharField(label=_("Nama lengkap pemilik"), max_length=150)
    email = forms.EmailField(label=_("Email"))
    password1 = forms.CharField(label=_("Kata sandi"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Ulangi kata sandi"), widget=forms.PasswordInput, strip=False)

    field_order = ["username", "full_name", "email", "password1", "password2", "nib", "name", "regency",
                   "district", "sector", "address"]

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("Kedua kata sandi tidak sama."))
        elif p1:
            first, _sep, last = (data.get("full_name") or "").partition(" ")
            probe = get_user_model()(username=data.get("username") or "", email=data.get("email") or "",
                                     first_name=first, last_name=last)
            try:
                password_validation.validate_password(p1, probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class ClaimForm(EnterpriseFieldsMixin):
    pass


class EnterpriseProfileForm(forms.ModelForm):
    """What the owner keeps up to date. NIB and sector are the owner's own word (like figures marked "mandiri"):
    they apply at once and every change stays in the audit history."""

    # Wider than 13 so that a NIB typed with spaces or dots reaches clean_nib, which says what is wrong.
    nib = forms.CharField(
        label=_("NIB"), max_length=30, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("Nomor Induk Berusaha dari OSS (oss.go.id), 13 digit. Usaha ber-NIB naik satu tahap "
                    "formalisasi."),
    )
    kbli_code = forms.CharField(
        label=_("Kode KBLI 5 digit"), max_length=10, required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text=_("Boleh dikosongkan. Bila diisi, harus termasuk sektor di atas, misalnya 47111 untuk sektor 47."),
    )

    class Meta:
        model = Enterprise
        fields = ["name", "nib", "sector", "kbli_code", "address", "npwp", "district", "founded_year", "legal_form"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = Region.objects.filter(
            level=RegionLevel.DISTRICT, parent_id=self.instance.regency_id
        ).order_by("name")
        # The same KBLI main groups as at sign-up, plus the enterprise's own sector if staff set another one.
        self.fields["sector"].queryset = Sector.objects.filter(
            Q(version="2020", level="division") | Q(pk=self.instance.sector_id)
        ).order_by("version", "code")

    def clean_nib(self):
        nib = self.cleaned_data.get("nib")
        if not nib:
            if self.instance.nib:
                raise ValidationError(_("NIB yang sudah tercatat tidak dapat dikosongkan; bila NIB itu salah, "
                                        "isi NIB yang benar atau hubungi petugas PLUT."))
            return None
        nib = identity.validate_nib(nib)
        # Named on the field here; the database's unique constraint still decides a race (the service).
        if Enterprise.objects.filter(nib=nib).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("NIB ini sudah dipakai oleh UMKM lain."), code="nib_duplicate")
        return nib

    def clean(self):
        data = super().clean()
        kbli, sector = data.get("kbli_code"), data.get("sector")
        if kbli:
            if not (len(kbli) == 5 and kbli.isdigit()):
                self.add_error("kbli_code", _("Kode KBLI harus 5 digit angka, misalnya 47111."))
            elif sector is None:
                self.add_error("kbli_code", _("Isi juga sektor (2 digit golongan pokok KBLI) untuk kode KBLI ini."))
            elif not kbli.startswith(sector.code):
                self.add_error("kbli_code", _("Kode KBLI %(kbli)s tidak termasuk golongan pokok %(sector)s.")
                               % {"kbli": kbli, "sector": sector.code})
        return data


class PermitForm(forms.Form):
    """A product permit or certification; the NIB has its own field on the profile."""

    kind = forms.ChoiceField(label=_("Jenis izin/sertifikat"),
                             choices=[(k, label) for k, label in PermitKind.choices if k != PermitKind.NIB])
    number = forms.CharField(label=_("Nomor izin/sertifikat"), max_length=60)
    issued_on = forms.DateField(label=_("Tanggal terbit"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    expires_on = forms.DateField(label=_("Berlaku sampai"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 help_text=_("Kosongkan bila tidak ada batas waktunya."))

    def clean_issued_on(self):
        issued_on = self.cleaned_data.get("issued_on")
        if issued_on and issued_on > timezone.localdate():
            raise ValidationError(_("Tanggal terbit tidak boleh di masa depan."))
        return issued_on


class FiguresForm(forms.Form):
    year = forms.IntegerField(label=_("Tahun"), min_value=2000)
    omzet = forms.IntegerField(label=_("Omzet setahun (Rp)"), min_value=0, help_text=_("Hasil penjualan setahun."))
    capital = forms.IntegerField(label=_("Modal usaha (Rp)"), min_value=0, required=False,
                                 help_text=_("Tidak termasuk tanah dan bangunan tempat usaha."))
    employees = forms.IntegerField(label=_("Tenaga kerja (orang)"), min_value=0, required=False)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise ValidationError(_("Tahun laporan tidak boleh di masa depan."))
        return year


class RequestForm(forms.Form):
    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), label=_("UMKM"))
    service = forms.ModelChoiceField(Service.objects.active(), label=_("Layanan"))
    centre = forms.ModelChoiceField(Centre.objects.filter(is_active=True), label=_("PLUT"))
    description = forms.CharField(label=_("Uraian kebutuhan"), widget=forms.Textarea(attrs={"rows": 5}),
                                  max_length=4000)
    files = MultipleFileField(label=_("Lampiran"), help_text=FILES_HELP)

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label=_("Status baru"), choices=RequestStatus.choices)
    note = forms.CharField(label=_("Catatan"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                           max_length=2000)
    consultant = forms.ModelChoiceField(Consultant.objects.none(), label=_("Konsultan"), required=False)
    scheduled_at = forms.DateTimeField(
        label=_("Jadwal"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"],
    )
    location = forms.CharField(label=_("Tempat"), required=False, max_length=255)
    online_link = forms.URLField(label=_("Tautan daring"), required=False, assume_scheme="https")
    outcome = forms.CharField(label=_("Hasil layanan"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                              max_length=2000)

    def __init__(self, *args, centre_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultant"].queryset = Consultant.objects.filter(
            centre_id=centre_id, is_active=True
        ).select_related("user")


class MessageForm(forms.Form):
    text = forms.CharField(label=_("Pesan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000,
                           required=False)
    files = MultipleFileField(label=_("Lampiran"), help_text=FILES_HELP)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Catatan"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    visit_on = forms.DateField(label=_("Tanggal kunjungan lapangan (bila kunjungan)"), required=False,
                               widget=forms.DateInput(attrs={"type": "date"}))


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Penilaian"), coerce=int,
                                    choices=[(n, "★" * n) for n in range(5, 0, -1)])
    comment = forms.CharField(label=_("Komentar"), required=False, max_length=500)


class EventRegisterForm(forms.Form):
    enterprise = forms.ModelChoiceField(Enterprise.objects.none(), label=_("UMKM"))

    def __init__(self, *args, enterprises, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = enterprises
