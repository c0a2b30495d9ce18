"""Indonesian identity numbers: validation, and protection of the owner's NIK.

Rules (see ../shared/reference/domain-facts.md §3.5):
- NIK: 16 digits `PPKKCC DDMMYY SSSS`; the region part must be a real region code and the date part
  a real date (women: day + 40). python-stdnum's `stdnum.id.nik` checks both.
- NIB: 13 digits, issued by OSS; it has no public check digit.
- NPWP: 15 digits (legacy, Luhn check) or 16 digits (NIK or 0 + old NPWP); python-stdnum checks it.

A NIK is personal data (UU 27/2022 PDP): it is stored encrypted, looked up through a keyed hash,
and shown masked (`1271********0001`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.id import nik as stdnum_nik
from stdnum.id import npwp as stdnum_npwp

_SEPARATORS = re.compile(r"[\s.\-/]")


def clean_digits(value: str) -> str:
    return _SEPARATORS.sub("", str(value or "")).strip()


def validate_nik(value: str) -> str:
    """Return the NIK as 16 digits or raise a ValidationError saying what is wrong."""
    digits = clean_digits(value)
    if not digits.isdigit():
        raise ValidationError(_("NIK hanya boleh berisi angka."), code="nik_format")
    if len(digits) != 16:
        raise ValidationError(
            _("NIK harus 16 digit (tertulis %(n)s digit)."), code="nik_length", params={"n": len(digits)}
        )
    if digits[12:] == "0000":
        raise ValidationError(_("Nomor urut NIK (4 digit terakhir) tidak boleh 0000."), code="nik_serial")
    try:
        stdnum_nik.validate(digits)
    except InvalidComponent as exc:
        # stdnum reports both an unknown region and an impossible date this way; tell them apart.
        try:
            stdnum_nik.get_birth_date(digits)
        except Exception:
            raise ValidationError(
                _("Tanggal lahir dalam NIK (digit 7–12) bukan tanggal yang ada."), code="nik_date"
            ) from exc
        raise ValidationError(
            _("Kode wilayah dalam NIK (6 digit pertama) tidak dikenal."), code="nik_region"
        ) from exc
    except (InvalidFormat, InvalidLength) as exc:
        raise ValidationError(_("Format NIK tidak valid."), code="nik_format") from exc
    return digits


def validate_nib(value: str) -> str:
    digits = clean_digits(value)
    if not re.fullmatch(r"\d{13}", digits):
        raise ValidationError(
            _("NIB harus terdiri dari 13 digit angka (tertulis: %(value)s)."),
            code="nib_format",
            params={"value": value},
        )
    return digits


def validate_npwp(value: str) -> str:
    digits = clean_digits(value)
    if not digits.isdigit() or len(digits) not in (15, 16):
        raise ValidationError(_("NPWP harus 15 atau 16 digit angka."), code="npwp_length")
    try:
        stdnum_npwp.validate(digits)
    except InvalidChecksum as exc:
        raise ValidationError(_("Digit pemeriksa NPWP tidak cocok."), code="npwp_checksum") from exc
    except Exception as exc:
        raise ValidationError(_("NPWP tidak valid."), code="npwp_invalid") from exc
    return digits


# --- NIK protection -------------------------------------------------------------------------------


def _derived_key(label: bytes) -> bytes:
    return hashlib.sha256(label + b"\x00" + settings.PII_KEY.encode()).digest()


def nik_keys() -> tuple[bytes, bytes]:
    """(look-up hash key, Fernet key) for bulk loaders that protect NIKs outside Django, e.g. seed_demo."""
    return _derived_key(b"nik-lookup"), base64.urlsafe_b64encode(_derived_key(b"nik-encrypt"))


def nik_hash(nik: str) -> str:
    """Keyed hash used to find an owner by NIK and to spot duplicates, without storing the NIK."""
    return hmac.new(_derived_key(b"nik-lookup"), nik.encode(), hashlib.sha256).hexdigest()


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived_key(b"nik-encrypt")))


def nik_encrypt(nik: str) -> str:
    return _fernet().encrypt(nik.encode()).decode()


def nik_decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def nik_mask(nik: str) -> str:
    return f"{nik[:4]}{'*' * 8}{nik[12:]}"
