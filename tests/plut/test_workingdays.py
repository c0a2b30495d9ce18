from datetime import date

import pytest

from plut.models import Centre, LocalHoliday
from plut.workingdays import Calendar

pytestmark = pytest.mark.django_db


def test_due_date_skips_nyepi_idul_fitri_and_their_cuti_bersama_in_2026():
    # Tue 17 Mar 2026: 18 cuti Nyepi, 19 Nyepi, 20 cuti Idul Fitri, 21–22 Idul Fitri (weekend), 23–24 cuti.
    assert Calendar().add(date(2026, 3, 17), 3) == date(2026, 3, 27)


def test_due_date_skips_ascension_day_and_its_cuti_bersama_in_2026():
    assert Calendar().add(date(2026, 5, 13), 2) == date(2026, 5, 19)


def test_due_date_skips_christmas_eve_cuti_bersama_2026():
    assert Calendar().add(date(2026, 12, 23), 1) == date(2026, 12, 28)


def test_the_cuti_bersama_added_in_august_2025_is_a_day_off():
    # SKB perubahan (7 Aug 2025): Monday 18 Aug 2025 is cuti bersama for HUT RI ke-80.
    assert Calendar().add(date(2025, 8, 15), 1) == date(2025, 8, 19)


def test_an_ordinary_week_counts_only_weekdays():
    assert Calendar().add(date(2026, 7, 1), 5) == date(2026, 7, 8)
    assert Calendar().between(date(2026, 7, 1), date(2026, 7, 8)) == 5


def test_a_local_day_off_added_by_staff_pushes_the_due_date():
    LocalHoliday.objects.create(day=date(2026, 3, 25), name="Libur daerah")
    assert Calendar().add(date(2026, 3, 17), 3) == date(2026, 3, 30)


def test_a_centre_day_off_applies_to_that_centre_only():
    medan = Centre.objects.get(code="plut-sumut")
    other = Centre.objects.get(code="plut-deli-serdang")
    LocalHoliday.objects.create(day=date(2026, 7, 1), name="HUT Kota Medan (contoh)", centre=medan)
    assert Calendar(centre_id=medan.pk).add(date(2026, 6, 30), 1) == date(2026, 7, 2)
    assert Calendar(centre_id=other.pk).add(date(2026, 6, 30), 1) == date(2026, 7, 1)
