"""Request guards shared by every page and the API."""

from __future__ import annotations

import json

from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.utils.translation import gettext as _

NUL = "\x00"


def _holds_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def _field_with_nul(request) -> str | None:
    """The first parameter whose value holds a NUL character (PostgreSQL text cannot store one)."""
    sources = [request.GET]
    if request.method == "POST":
        sources.append(request.POST)  # also multipart form fields; the files in it are not looked at
    elif request.content_type == "application/x-www-form-urlencoded" and request.body:
        sources.append(QueryDict(request.body, encoding=request.encoding))  # PUT/PATCH forms (the API)
    for params in sources:
        for name, values in params.lists():
            if NUL in name or any(NUL in value for value in values):
                return name.replace(NUL, "")
    if request.content_type == "application/json" and b"\\u0000" in request.body:
        try:
            data = json.loads(request.body)
        except ValueError:
            return None  # the API's parser reports malformed JSON itself
        if isinstance(data, dict):
            for name, value in data.items():
                if NUL in name or _holds_nul(value):
                    return name.replace(NUL, "")
        return ""
    return None


class RejectNulMiddleware:
    """Refuse text with a NUL character with a 400 naming the field, before any query can fail on it (a 500).

    Files are not looked at: uploaded PDFs and images hold NUL bytes by nature; only form fields are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        field = _field_with_nul(request)
        if field is None:
            return self.get_response(request)
        message = _("Isian “%(field)s” berisi karakter NUL (\\0) yang tidak diizinkan.") % {"field": field or "?"}
        if request.path.startswith("/api/"):
            return JsonResponse({field or "non_field_errors": [message]}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
