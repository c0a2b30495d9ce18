"""`{% load staff_dashboard %}{% staff_dashboard as cards %}`: the admin index's cards (sumut_umkm.dashboard)."""

from django import template

from sumut_umkm.dashboard import staff_dashboard as build

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_dashboard(context):
    return build(context["request"].user)
