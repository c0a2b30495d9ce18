import pytest
from django.utils import timezone

from registry import graduation, services
from registry.models import Enterprise, GraduationEvent, Permit, RuleSet, YearlyReport
from tests.factories import make_enterprise, make_staff

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


def active_rules() -> RuleSet:
    return RuleSet.objects.get(is_active=True)


def recompute(enterprise: Enterprise) -> Enterprise:
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk], rule_set_id=active_rules().pk)
    enterprise.refresh_from_db()
    return enterprise


def report(enterprise, year, omzet=None, capital=None, verified=False):
    return YearlyReport.objects.update_or_create(
        enterprise=enterprise, year=year,
        defaults={"omzet": omzet, "capital": capital, "verified_at": timezone.now() if verified else None},
    )[0]


def test_the_pp_7_2021_rule_set_is_loaded_and_active():
    rules = active_rules()
    assert rules.version == 1
    assert (rules.omzet_micro_max, rules.omzet_small_max, rules.omzet_medium_max) == (
        2_000_000_000, 15_000_000_000, 50_000_000_000,
    )
    assert (rules.capital_micro_max, rules.capital_small_max, rules.capital_medium_max) == (
        1_000_000_000, 5_000_000_000, 10_000_000_000,
    )
    assert "PP 7/2021" in rules.legal_source


@pytest.mark.parametrize(
    ("omzet", "expected"),
    [
        (2_000_000_000, "mikro"), (2_000_000_001, "kecil"),
        (15_000_000_000, "kecil"), (15_000_000_001, "menengah"),
        (50_000_000_000, "menengah"), (50_000_000_001, "besar"),
        (0, "mikro"),
    ],
)
def test_a_boundary_value_of_annual_sales_belongs_to_the_lower_class(omzet, expected):
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR, omzet=omzet)
    assert recompute(enterprise).size_class == expected


@pytest.mark.parametrize(
    ("capital", "expected"),
    [
        (1_000_000_000, "mikro"), (1_000_000_001, "kecil"),
        (5_000_000_000, "kecil"), (5_000_000_001, "menengah"),
        (10_000_000_000, "menengah"), (10_000_000_001, "besar"),
    ],
)
def test_capital_decides_with_the_same_boundaries_when_there_are_no_annual_sales(capital, expected):
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR, capital=capital)
    enterprise = recompute(enterprise)
    assert enterprise.size_class == expected
    assert enterprise.class_reason.startswith(f"Modal usaha {LAST_YEAR} ")


def test_no_report_and_no_capital_means_the_class_is_unknown_not_micro():
    enterprise = recompute(make_enterprise())
    assert enterprise.size_class is None
    assert enterprise.tier is None
    assert enterprise.class_reason == "Belum ada data omzet maupun modal usaha"


def test_figures_of_the_current_unfinished_year_do_not_count_yet():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR, omzet=500_000_000)
    report(enterprise, LAST_YEAR + 1, omzet=3_000_000_000)
    assert recompute(enterprise).size_class == "mikro"


def test_a_move_up_is_recorded_with_its_inputs_and_a_readable_reason():
    enterprise = make_enterprise(nib=None)
    report(enterprise, LAST_YEAR - 1, omzet=1_800_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=2_400_000_000)
    enterprise = recompute(enterprise)

    event = GraduationEvent.objects.get(enterprise=enterprise)
    assert (event.from_class, event.to_class, event.direction) == ("mikro", "kecil", "naik")
    assert (event.from_tier, event.to_tier) == (1, 4)
    assert (event.year, event.omzet, event.basis) == (LAST_YEAR, 2_400_000_000, "omzet")
    assert event.rule_set == active_rules()
    assert event.reason.startswith(
        f"Omzet {LAST_YEAR} Rp2,4 M melebihi batas mikro Rp2 M (PP 7/2021 Pasal 35)"
    )
    assert event.status == "sementara"  # one unverified report is not yet proof


def test_recomputing_twice_in_a_row_writes_nothing_new():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR - 1, omzet=1_000_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=3_000_000_000)
    recompute(enterprise)
    result = graduation.recompute_enterprises(enterprise_ids=[enterprise.pk], rule_set_id=active_rules().pk)
    assert (result.changed, result.history) == (0, 0)
    assert GraduationEvent.objects.filter(enterprise=enterprise).count() == 1


def test_a_move_up_is_confirmed_by_a_verified_report():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR - 1, omzet=1_000_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=3_000_000_000, verified=True)
    assert recompute(enterprise).class_status == "terkonfirmasi"


def test_a_move_up_is_confirmed_when_it_holds_for_two_consecutive_reports():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR - 2, omzet=1_000_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR - 1, omzet=3_000_000_000)
    assert recompute(enterprise).class_status == "sementara"
    report(enterprise, LAST_YEAR, omzet=3_500_000_000)
    enterprise = recompute(enterprise)
    assert (enterprise.size_class, enterprise.class_status) == ("kecil", "terkonfirmasi")

    events = GraduationEvent.objects.filter(enterprise=enterprise).order_by("id")
    statuses = list(events.values_list("direction", "status"))
    assert statuses == [("naik", "sementara"), ("tetap", "terkonfirmasi")]


def test_a_jump_of_more_than_one_class_is_flagged_for_verification_not_counted_as_graduation():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR - 1, omzet=1_000_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=20_000_000_000)
    enterprise = recompute(enterprise)
    assert (enterprise.size_class, enterprise.class_status) == ("menengah", "perlu_verifikasi")
    assert "melompat lebih dari satu kelas" in enterprise.class_reason


def test_sales_that_change_more_than_tenfold_in_a_year_are_flagged():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR - 1, omzet=100_000_000)
    report(enterprise, LAST_YEAR, omzet=1_500_000_000)
    enterprise = recompute(enterprise)
    assert enterprise.class_status == "perlu_verifikasi"
    assert "10 kali lipat" in enterprise.class_reason


def test_a_demotion_is_recorded_as_turun():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR - 1, omzet=3_000_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=1_900_000_000)
    recompute(enterprise)
    event = GraduationEvent.objects.get(enterprise=enterprise)
    assert (event.from_class, event.to_class, event.direction) == ("kecil", "mikro", "turun")
    assert "tidak melebihi batas mikro Rp2 M" in event.reason


def test_the_formalisation_ladder_raises_the_tier_within_a_class():
    enterprise = make_enterprise(nib=None)
    report(enterprise, LAST_YEAR, omzet=500_000_000)
    assert recompute(enterprise).tier == 1
    services.enterprise_update(enterprise=enterprise, nib="9120100770999")
    assert recompute(enterprise).tier == 2
    Permit.objects.create(enterprise=enterprise, kind="halal", number="ID12110000123450924")
    enterprise = recompute(enterprise)
    assert (enterprise.formal_step, enterprise.tier) == (2, 3)
    directions = list(GraduationEvent.objects.filter(enterprise=enterprise).values_list("direction", flat=True))
    assert directions == ["naik", "naik"]


def test_an_expired_certificate_does_not_count():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR, omzet=500_000_000)
    Permit.objects.create(
        enterprise=enterprise, kind="pirt", number="2061271010123-29",
        issued_on=timezone.localdate().replace(year=2019), expires_on=timezone.localdate().replace(year=2024),
    )
    assert recompute(enterprise).formal_step == 1


def test_disagreeing_criteria_are_flagged_for_staff():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR, omzet=500_000_000, capital=3_000_000_000)
    enterprise = recompute(enterprise)
    assert enterprise.size_class == "mikro"
    assert enterprise.criteria_disagree is True


def test_a_new_rule_set_recomputes_without_touching_old_history():
    enterprise = make_enterprise()
    report(enterprise, LAST_YEAR - 1, omzet=1_000_000_000)
    recompute(enterprise)
    report(enterprise, LAST_YEAR, omzet=3_000_000_000)
    recompute(enterprise)
    old_event = GraduationEvent.objects.get(enterprise=enterprise)
    old_snapshot = (old_event.reason, old_event.rule_set_id, old_event.to_class)

    new_rules = services.rule_set_create(
        name="Uji batas baru", legal_source="Uji", criterion="Uji",
        omzet_micro_max=5_000_000_000, omzet_small_max=15_000_000_000, omzet_medium_max=50_000_000_000,
        capital_micro_max=1_000_000_000, capital_small_max=5_000_000_000, capital_medium_max=10_000_000_000,
    )
    services.rule_set_activate(rule_set=new_rules)
    graduation.recompute_enterprises(enterprise_ids=[enterprise.pk], rule_set_id=new_rules.pk)

    old_event.refresh_from_db()
    assert (old_event.reason, old_event.rule_set_id, old_event.to_class) == old_snapshot
    latest = GraduationEvent.objects.filter(enterprise=enterprise).latest("id")
    assert (latest.to_class, latest.direction, latest.rule_set_id) == ("mikro", "turun", new_rules.pk)


def test_the_rule_change_preview_counts_moves_per_regency_and_writes_nothing():
    medan = make_enterprise(regency="12.71", district="12.71.01")
    report(medan, LAST_YEAR, omzet=3_000_000_000)
    binjai = make_enterprise(regency="12.75", district="12.75.01")
    report(binjai, LAST_YEAR, omzet=1_000_000_000)
    graduation.recompute_enterprises(enterprise_ids=[medan.pk, binjai.pk], rule_set_id=active_rules().pk)
    candidate = services.rule_set_create(
        name="Calon", legal_source="Uji", criterion="Uji",
        omzet_micro_max=5_000_000_000, omzet_small_max=15_000_000_000, omzet_medium_max=50_000_000_000,
        capital_micro_max=1_000_000_000, capital_small_max=5_000_000_000, capital_medium_max=10_000_000_000,
    )
    events_before = GraduationEvent.objects.count()

    preview = graduation.preview(rule_set_id=candidate.pk)

    assert preview == [("12.71", "kecil", "mikro", 1)]
    medan.refresh_from_db()
    assert medan.size_class == "kecil"
    assert GraduationEvent.objects.count() == events_before
    assert not RuleSet.objects.get(pk=candidate.pk).is_active


def test_staff_saving_yearly_figures_recomputes_that_enterprise(django_capture_on_commit_callbacks):
    staff = make_staff()
    enterprise = make_enterprise()
    with django_capture_on_commit_callbacks(execute=True):
        services.yearly_report_save(enterprise=enterprise, year=LAST_YEAR, omzet=2_500_000_000, verified_by=staff)
    enterprise.refresh_from_db()
    assert (enterprise.size_class, enterprise.class_status) == ("kecil", "terkonfirmasi")


def test_listeners_hear_about_a_class_change_after_commit_and_not_about_a_recompute_that_changed_nothing(
    django_capture_on_commit_callbacks,
):
    from registry import signals

    heard = []

    def listener(sender, signal, **scope):
        heard.append(scope)

    signals.classes_changed.connect(listener)
    try:
        enterprise = make_enterprise("Kerupuk Jangek Tanjungbalai")
        with django_capture_on_commit_callbacks(execute=True):
            services.yearly_report_save(enterprise=enterprise, year=2025, omzet=2_400_000_000)
            graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
        assert heard == [{"enterprise_ids": [enterprise.pk], "job_run_id": None}]
        with django_capture_on_commit_callbacks(execute=True):
            graduation.recompute_enterprises(enterprise_ids=[enterprise.pk])
        assert len(heard) == 1
    finally:
        signals.classes_changed.disconnect(listener)


def test_giving_an_enterprise_its_nib_moves_it_up_the_formalisation_ladder(django_capture_on_commit_callbacks):
    enterprise = make_enterprise(nib=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.yearly_report_save(enterprise=enterprise, year=LAST_YEAR, omzet=500_000_000)
    enterprise.refresh_from_db()
    informal_tier = enterprise.tier
    assert enterprise.formal_step == 0

    with django_capture_on_commit_callbacks(execute=True):
        services.enterprise_update(enterprise=enterprise, nib="9120000000777")
    enterprise.refresh_from_db()
    assert enterprise.formal_step == 1 and enterprise.tier == informal_tier + 1


def test_a_nib_a_form_already_wrote_into_the_enterprise_still_moves_it_up(django_capture_on_commit_callbacks):
    """The admin's form sets the new NIB on the object before the service saves it."""
    enterprise = make_enterprise(nib=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.yearly_report_save(enterprise=enterprise, year=LAST_YEAR, omzet=500_000_000)
    enterprise.refresh_from_db()
    assert enterprise.formal_step == 0

    enterprise.nib = "9120000000778"
    with django_capture_on_commit_callbacks(execute=True):
        services.enterprise_update(enterprise=enterprise)
    enterprise.refresh_from_db()
    assert enterprise.formal_step == 1
