"""A paginator for tables with a million rows: it never counts them all.

A filtered list is counted only up to a cap (`SELECT count(*) FROM (SELECT … LIMIT cap + 1)`), shown
as "10.000+"; the unfiltered list takes PostgreSQL's own row estimate (pg_class.reltuples), shown as
"±1.166.918". Small results are counted exactly, as usual.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.translation import gettext as _


def _thousands(value: int) -> str:
    # Indonesian style (1.166.918) whatever the active language.
    return f"{value:,}".replace(",", ".")


def count_label(number: int, *, cap: int = 10_000, estimated: bool = False) -> str:
    """A count as a person should read it: "1.234", "10.000+" past the cap, "±1.166.918" for an estimate."""
    if estimated:
        return _("±%(n)s") % {"n": _thousands(number)}
    if number > cap:
        return _("%(n)s+") % {"n": _thousands(cap)}
    return _thousands(number)


def table_estimate(model, using: str = "default") -> int:
    """PostgreSQL's row estimate for the model's table; -1 when it never was analysed."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        row = cursor.fetchone()
    return row[0] if row else -1


class LargeTablePaginator(Paginator):
    """Counts at most `cap` rows; `count_is_exact` tells whether `count` is the real number."""

    cap = 10_000

    @cached_property
    def _counted(self) -> tuple[int, str]:
        queryset = self.object_list
        if not queryset.query.has_filters() and not queryset.query.is_sliced:
            estimate = table_estimate(queryset.model, queryset.db)
            if estimate > self.cap:
                return estimate, "estimate"
        # The inner LIMIT stops the scan early; Django wraps a sliced count in a subquery.
        counted = queryset.order_by()[: self.cap + 1].count()
        if counted > self.cap:
            return self.cap + 1, "capped"
        return counted, "exact"

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @property
    def count_is_exact(self) -> bool:
        return self._counted[1] == "exact"

    @property
    def count_label(self) -> str:
        """The count as a person should read it: "1.234", "10.000+" or "±1.166.918"."""
        number, kind = self._counted
        return count_label(number, cap=self.cap, estimated=kind == "estimate")

    def validate_number(self, number):
        # Past a capped or estimated count a page may still exist (or be empty): do not refuse it.
        if self.count_is_exact:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(_("Nomor halaman bukan bilangan bulat.")) from exc
        if number < 1:
            raise EmptyPage(_("Nomor halaman kurang dari 1."))
        return number

    def page(self, number):
        if self.count_is_exact:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)
