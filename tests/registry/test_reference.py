import pytest

from registry.models import Region, Sector

pytestmark = pytest.mark.django_db


def test_sumut_has_33_regencies_and_455_districts_with_kemendagri_codes():
    assert Region.objects.regencies().count() == 33
    assert Region.objects.districts().count() == 455
    assert Region.objects.get(code="12.71").name == "Kota Medan"
    assert Region.objects.get(code="12.73").name == "Kota Sibolga"


def test_every_district_belongs_to_a_regency_of_province_12():
    orphans = Region.objects.districts().exclude(parent__level="regency", parent__parent_id="12")
    assert not orphans.exists()


def test_kbli_2020_has_21_sections_and_their_divisions():
    assert Sector.objects.filter(level="section").count() == 21
    food = Sector.objects.get(version="2020", code="10")
    assert food.parent.code == "C"


def test_loading_reference_twice_changes_nothing():
    from registry.reference import reference_load

    before = Region.objects.count(), Sector.objects.count()
    reference_load()
    assert (Region.objects.count(), Sector.objects.count()) == before
