"""Importing the office's spreadsheets, first layer: reading files and parsing cells.

- `reader.iter_rows(file, filename=…)` streams the rows of a CSV/XLSX as {canonical column: text}, with the
  header information (`columns.HeaderInfo`) known before the first row; `reader.preview_rows` shows the
  first rows of a file whose header must be chosen and mapped by staff;
- `columns` holds the canonical columns and the header matcher (aliases, per-month turnover, BPS codes);
- `parsers` turns one cell into a value or raises `ParseError(code, message)` with an Indonesian message.

The staging and upsert pipeline builds on these; nothing here writes to the database.
"""
