"""PP 7/2021 Pasal 35 thresholds as plain values, for code that runs outside the database (demo data).

The registry's classes are computed by the graduation engine (registry/graduation.py) from the active
RuleSet, whose version 1 holds these same values (migration 0004).
"""

# Upper bounds in rupiah, inclusive ("paling banyak"). Source: PP No. 7 Tahun 2021 Pasal 35 ayat (3) and (5).
OMZET_LIMITS = {"mikro": 2_000_000_000, "kecil": 15_000_000_000, "menengah": 50_000_000_000}
CAPITAL_LIMITS = {"mikro": 1_000_000_000, "kecil": 5_000_000_000, "menengah": 10_000_000_000}
