"""Forms of the registry's staff pages (the admin for now)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import identity
from .models import Enterprise, Owner


class EnterpriseAdminForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = [
            "name", "owner", "legal_form", "founded_year", "is_active", "nib", "npwp", "address", "regency",
            "district", "sector", "kbli_code",
        ]

    def clean_nib(self):
        # Checked here as well as by the database so that a duplicate is an error on the NIB field itself.
        nib = self.cleaned_data.get("nib")
        if not nib:
            return None
        nib = identity.validate_nib(nib)
        if Enterprise.objects.filter(nib=nib).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("NIB ini sudah dipakai oleh UMKM lain."), code="nib_duplicate")
        return nib


class OwnerAdminForm(forms.ModelForm):
    """The NIK is typed in clear text but stored only hashed, encrypted and masked (Owner.set_nik)."""

    nik = forms.CharField(
        label=_("NIK"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric", "size": 20}),
        help_text=_("16 digit sesuai KTP. Disimpan terenkripsi dan ditampilkan tersamar."),
    )

    class Meta:
        model = Owner
        fields = ["name", "nik", "sex", "phone", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.nik_masked:
            self.fields["nik"].help_text = _("Kosongkan bila NIK tidak diubah. Tersimpan: %(masked)s.") % {
                "masked": self.instance.nik_masked
            }

    def clean_nik(self) -> str:
        value = self.cleaned_data.get("nik", "").strip()
        if not value:
            return ""
        digits = identity.validate_nik(value)
        if Owner.objects.filter(nik_hash=identity.nik_hash(digits)).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Pemilik dengan NIK ini sudah terdaftar."), code="nik_duplicate")
        return digits

    def save(self, commit: bool = True):
        if self.cleaned_data.get("nik"):
            self.instance.set_nik(self.cleaned_data["nik"])
        return super().save(commit=commit)
