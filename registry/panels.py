"""Panels of other apps on the staff enterprise page (/registri/umkm/<pk>/).

The registry imports no other app (csr and plut import the registry), so an app that wants to show what is
going on now for an enterprise — open PLUT requests, active CSR supports — registers a Panel from its
AppConfig.ready(), as it registers its export datasets (registry.exports.register). The page asks each panel,
in order, for its context: None hides the panel (the user may not see that app's rows, or there is nothing to
show). A panel reads its rows through its model's for_user(user), in one or two queries with select_related,
and caps its list; the page itself has already checked the user may see the enterprise.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Rows a panel lists at most; it links to its full (filtered) admin list for the rest.
PANEL_ROWS = 10


def latest(queryset) -> tuple[list, bool]:
    """A panel's rows in one query: the first PANEL_ROWS, and whether there are more (one more row is read)."""
    rows = list(queryset[: PANEL_ROWS + 1])
    return rows[:PANEL_ROWS], len(rows) > PANEL_ROWS


@dataclass(frozen=True)
class Panel:
    """One section of the enterprise page. `context(enterprise, user)` returns the template's context, or None
    when the user may not see it or there is nothing to show; `template` renders the section's body."""

    key: str
    title: str
    template: str
    context: Callable[[Any, Any], dict | None]
    order: int = 100


@dataclass(frozen=True)
class ShownPanel:
    key: str
    title: str
    template: str
    data: dict


PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> Panel:
    """Called from an AppConfig.ready(); registering the same key again replaces it (autoreload)."""
    PANELS[panel.key] = panel
    return panel


def panels_for(enterprise, user) -> list[ShownPanel]:
    """The panels this user sees on this enterprise's page, in order (then by key, so the order is stable)."""
    shown = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        data = panel.context(enterprise, user)
        if data is not None:
            shown.append(ShownPanel(panel.key, str(panel.title), panel.template, data))
    return shown
