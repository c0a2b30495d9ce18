"""Rupiah written the Indonesian way: `Rp1.500.000`, and short for charts: `Rp2,4 M`."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

# Indonesian abbreviations: triliun, miliar, juta, ribu.
_SHORT_UNITS = [(10**12, "T"), (10**9, "M"), (10**6, "jt"), (10**3, "rb")]


def _as_int(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return None


@register.filter
def rupiah(value) -> str:
    """1500000 → "Rp1.500.000"; nothing → "—"."""
    amount = _as_int(value)
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


@register.filter
def rupiah_short(value) -> str:
    """2400000000 → "Rp2,4 M"; 350000000 → "Rp350 jt"; below a thousand written in full."""
    amount = _as_int(value)
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ""
    for unit, suffix in _SHORT_UNITS:
        # Compare after rounding so that 999.960.000 reads "Rp1 M", not "Rp1000 jt".
        if round(abs(amount) / unit, 1) >= 1:
            number = f"{abs(amount) / unit:.1f}".rstrip("0").rstrip(".").replace(".", ",")
            return f"{sign}Rp{number} {suffix}"
    return rupiah(amount)
