"""Reading an export the way a user's spreadsheet would: the downloaded bytes as CSV or XLSX rows."""

from __future__ import annotations

import csv
import io

from django.test import Client
from openpyxl import load_workbook


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def content_of(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content) if response.streaming else response.content


def csv_rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def xlsx_rows(data: bytes) -> tuple[list, list[dict]]:
    """(the header, the rows as dicts); a short row is padded with empty cells."""
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    return header, [dict(zip(header, row + (None,) * (len(header) - len(row)), strict=True)) for row in values[1:]]
