"""The import's set-based SQL: one batch of staged rows matched and upserted (see pipeline.py for the order).

The staging table is written once per batch (COPY) and never updated: what is decided about a row goes into
narrow INSERT-only tables — its refusal (import_reject), the enterprise it matched or was given
(import_match: b = by NIB, k = by owner NIK and name, p = by names and place, n = new), its owner
(import_owner) and whether it changed anything (import_changed). import_seen keeps, across the batches of one
run, md5 keys of what the file already gave (NIBs, owner+name, names+place, enterprises, owners).

Parameters: now, started (the run's start), job, similarity, owner_seq, enterprise_seq; a bulk first load's
statements also owner_base and enterprise_base (ids are base + row number).
"""

NAME_KEY = r"lower(regexp_replace(btrim({}), '\s+', ' ', 'g'))"

TABLES_SQL = [
    """CREATE TEMP TABLE import_staging (
        row_no integer PRIMARY KEY,
        nib varchar(13),
        name varchar(200) NOT NULL,
        owner_name varchar(150),
        nik_hash varchar(64),
        nik_encrypted text,
        nik_masked varchar(16),
        sex varchar(1),
        phone varchar(20),
        email varchar(254),
        address varchar(255),
        regency_id varchar(13) NOT NULL,
        district_id varchar(13),
        sector_id bigint,
        kbli_code varchar(5),
        founded_year smallint,
        report_year smallint,
        omzet bigint,
        capital bigint,
        employees integer,
        -- the parser has squeezed the spaces already, so lower() gives what NAME_KEY gives
        name_key text GENERATED ALWAYS AS (lower(name)) STORED,
        owner_key text GENERATED ALWAYS AS (lower(owner_name)) STORED
    )""",
    # reason: see pipeline.StagingBatch._problem; first_row: the earlier row repeated; ref: enterprise or owner.
    "CREATE TEMP TABLE import_reject (row_no integer PRIMARY KEY, reason text NOT NULL, first_row integer, ref bigint)",
    'CREATE TEMP TABLE import_match (row_no integer PRIMARY KEY, enterprise_id bigint NOT NULL, kind "char" NOT NULL)',
    "CREATE TEMP TABLE import_owner (row_no integer PRIMARY KEY, owner_id bigint NOT NULL, "
    "new_owner boolean NOT NULL DEFAULT false)",
    "CREATE TEMP TABLE import_changed (row_no integer NOT NULL)",
    "CREATE TEMP TABLE import_seen (key uuid PRIMARY KEY, row_no integer NOT NULL)",
]
BATCH_TABLES = "import_staging, import_reject, import_match, import_owner, import_changed"
ALL_TABLES = f"{BATCH_TABLES}, import_seen, import_bulk"

OK = "NOT EXISTS (SELECT 1 FROM import_reject r WHERE r.row_no = {}.row_no)"
S_OK = OK.format("s")

# A key of an earlier batch: one index probe per key (import_seen grows to millions of keys in a first load;
# hashing all of it for every batch would cost more with every batch).
SEEN = "(SELECT seen.row_no FROM import_seen seen WHERE seen.key = {})"

# A row repeating an NIB, an owner NIK + name, or (without both) names and place of an earlier row of the
# file (one that passed parsing, even if refused since) is refused naming the earliest; every key is kept.
DUPLICATES = f"""
WITH keys AS (
    SELECT s.row_no, 'b' AS kind, md5('b' || s.nib)::uuid AS key FROM import_staging s WHERE s.nib IS NOT NULL
    UNION ALL
    SELECT s.row_no, 'k', md5('k' || s.nik_hash || '|' || s.name_key)::uuid
    FROM import_staging s WHERE s.nik_hash IS NOT NULL
    UNION ALL
    SELECT s.row_no, 'p', md5('p' || s.regency_id || '|' || coalesce(s.district_id, '') || '|' || s.name_key || '|'
                             || coalesce(s.owner_key, ''))::uuid
    FROM import_staging s WHERE s.nib IS NULL AND s.nik_hash IS NULL
),
firsts AS (
    SELECT k.row_no, k.kind,
           coalesce({SEEN.format("k.key")}, min(k.row_no) OVER (PARTITION BY k.key)) AS first_row
    FROM keys k
),
dups AS (
    SELECT DISTINCT ON (f.row_no) f.row_no, f.kind, f.first_row FROM firsts f WHERE f.first_row < f.row_no
    ORDER BY f.row_no, f.first_row
),
rejected AS (
    INSERT INTO import_reject (row_no, reason, first_row) SELECT d.row_no, 'dup_' || d.kind, d.first_row FROM dups d
)
INSERT INTO import_seen (key, row_no)
SELECT DISTINCT ON (k.key) k.key, k.row_no FROM keys k ORDER BY k.key, k.row_no
ON CONFLICT (key) DO NOTHING
"""

# Existing enterprises: by NIB; else by owner NIK and name (the lowest id when several share the name); a row
# with neither identifier by an enterprise with neither, same regency, district, name and owner name. The last
# is a hash join over the enterprises without NIB (a trigram-index probe per name costs ~20 ms: common
# trigrams); it compares lower(name), since names an import stores have their spaces squeezed already.
MATCH = f"""
INSERT INTO import_match (row_no, enterprise_id, kind)
WITH fine AS MATERIALIZED (SELECT s.* FROM import_staging s WHERE {S_OK}),
by_nib AS (
    SELECT f.row_no, e.id FROM fine f JOIN registry_enterprise e ON e.nib = f.nib
),
by_nik AS (
    SELECT DISTINCT ON (f.row_no) f.row_no, e.id
    FROM fine f
    JOIN registry_owner o ON o.nik_hash = f.nik_hash
    JOIN registry_enterprise e ON e.owner_id = o.id AND {NAME_KEY.format("e.name")} = f.name_key
    WHERE NOT EXISTS (SELECT 1 FROM by_nib b WHERE b.row_no = f.row_no)
    ORDER BY f.row_no, e.id
),
by_place AS (
    SELECT DISTINCT ON (f.row_no) f.row_no, e.id
    FROM fine f
    JOIN registry_enterprise e ON lower(e.name) = f.name_key AND e.regency_id = f.regency_id
    LEFT JOIN registry_owner o ON o.id = e.owner_id
    WHERE f.nib IS NULL AND f.nik_hash IS NULL AND e.nib IS NULL AND o.nik_hash IS NULL
      AND e.district_id IS NOT DISTINCT FROM f.district_id AND lower(o.name) IS NOT DISTINCT FROM f.owner_key
    ORDER BY f.row_no, e.id
)
SELECT row_no, id, 'b' FROM by_nib
UNION ALL SELECT row_no, id, 'k' FROM by_nik
UNION ALL SELECT row_no, id, 'p' FROM by_place
"""

# Refused, never silently applied: in a regency office's import, a match with an enterprise of another regency
# (or of none: provincial staff's); an NIB whose enterprise belongs to an owner with another NIK, an owner+name
# match whose enterprise has another NIB, a NIK that belongs to another owner than the enterprise's (NIK-less) one.
CONFLICTS = """
INSERT INTO import_reject (row_no, reason, ref)
SELECT c.row_no, c.reason, CASE WHEN c.reason = 'nik_taken' THEN c.other_id ELSE c.enterprise_id END
FROM (
    SELECT m.row_no, m.enterprise_id, o.other_id,
           CASE WHEN %(only_regency)s::text IS NOT NULL AND e.regency_id IS DISTINCT FROM %(only_regency)s::text
                    THEN 'outside_regency'
                WHEN m.kind = 'b' AND s.nik_hash IS NOT NULL AND o.nik_hash IS NOT NULL AND o.nik_hash <> s.nik_hash
                    THEN 'nib_owner'
                WHEN m.kind = 'k' AND s.nib IS NOT NULL AND e.nib IS NOT NULL AND e.nib <> s.nib THEN 'nib_differs'
                WHEN o.other_id IS NOT NULL THEN 'nik_taken'
           END AS reason
    FROM import_match m
    JOIN import_staging s ON s.row_no = m.row_no
    JOIN registry_enterprise e ON e.id = m.enterprise_id
    -- another owner holding the row's NIK, looked up only for an owner without one (one index probe)
    LEFT JOIN LATERAL (
        SELECT o.nik_hash, CASE WHEN o.nik_hash IS NULL AND s.nik_hash IS NOT NULL THEN
                   (SELECT x.id FROM registry_owner x WHERE x.nik_hash = s.nik_hash) END AS other_id
        FROM registry_owner o WHERE o.id = e.owner_id
    ) o ON true
) c
WHERE c.reason IS NOT NULL
"""

# Two rows reaching one enterprise by different keys: the later one is refused.
SAME_ENTERPRISE = f"""
WITH firsts AS (
    SELECT m.row_no, m.enterprise_id,
           coalesce({SEEN.format("md5('e' || m.enterprise_id)::uuid")},
                    min(m.row_no) OVER (PARTITION BY m.enterprise_id)) AS first_row
    FROM import_match m
    WHERE {OK.format("m")}
),
rejected AS (
    INSERT INTO import_reject (row_no, reason, first_row)
    SELECT f.row_no, 'dup_e', f.first_row FROM firsts f WHERE f.first_row < f.row_no
)
INSERT INTO import_seen (key, row_no)
SELECT md5('e' || f.enterprise_id)::uuid, f.row_no FROM firsts f WHERE f.first_row = f.row_no
"""

# A matched enterprise keeps its owner. An owner without a NIK takes the row's NIK — unless another row of the
# batch gives that owner another NIK, or that NIK to another owner (those rows are refused).
MATCHED_OWNERS = f"""
WITH owned AS (
    SELECT m.row_no, e.owner_id, s.nik_hash, (s.nik_hash IS NOT NULL AND o.nik_hash IS NULL) AS claim
    FROM import_match m
    JOIN import_staging s ON s.row_no = m.row_no
    JOIN registry_enterprise e ON e.id = m.enterprise_id
    JOIN registry_owner o ON o.id = e.owner_id
    WHERE {OK.format("m")}
),
claims AS (
    SELECT c.*, min(c.row_no) OVER (PARTITION BY c.nik_hash) AS first_by_nik,
           min(c.row_no) OVER (PARTITION BY c.owner_id) AS first_by_owner
    FROM owned c WHERE c.claim
),
winners AS (SELECT * FROM claims c WHERE c.row_no = c.first_by_nik AND c.row_no = c.first_by_owner),
losers AS (
    SELECT c.* FROM claims c
    WHERE NOT EXISTS (SELECT 1 FROM winners w WHERE w.owner_id = c.owner_id AND w.nik_hash = c.nik_hash)
),
rejected AS (
    INSERT INTO import_reject (row_no, reason, ref)
    SELECT l.row_no, 'nik_taken', coalesce((SELECT w.owner_id FROM winners w WHERE w.nik_hash = l.nik_hash), l.owner_id)
    FROM losers l
),
claimed AS (
    UPDATE registry_owner o SET nik_hash = s.nik_hash, nik_encrypted = s.nik_encrypted, nik_masked = s.nik_masked,
        updated_at = %(now)s
    FROM winners w JOIN import_staging s ON s.row_no = w.row_no
    WHERE o.id = w.owner_id
    RETURNING w.row_no
),
changed AS (INSERT INTO import_changed (row_no) SELECT c.row_no FROM claimed c)
INSERT INTO import_owner (row_no, owner_id)
SELECT w.row_no, w.owner_id FROM owned w WHERE NOT EXISTS (SELECT 1 FROM losers l WHERE l.row_no = w.row_no)
"""

# Owners found by NIK: one index probe per row still without an owner.
OWNERS_BY_NIK = f"""
INSERT INTO import_owner (row_no, owner_id)
WITH pending AS MATERIALIZED (
    SELECT s.row_no, s.nik_hash FROM import_staging s
    WHERE s.nik_hash IS NOT NULL AND {S_OK} AND NOT EXISTS (SELECT 1 FROM import_owner io WHERE io.row_no = s.row_no)
)
SELECT f.row_no, f.owner_id FROM (
    SELECT p.row_no, (SELECT o.id FROM registry_owner o WHERE o.nik_hash = p.nik_hash) AS owner_id FROM pending p
) f
WHERE f.owner_id IS NOT NULL
"""

# A NIK no one knows yet — not the registry, not an earlier row of the file naming its owner — needs a name.
OWNER_NAME_MISSING = f"""
INSERT INTO import_reject (row_no, reason)
SELECT s.row_no, 'owner_name_missing' FROM import_staging s
WHERE s.nik_hash IS NOT NULL AND s.owner_name IS NULL AND {S_OK}
  AND NOT EXISTS (SELECT 1 FROM import_owner io WHERE io.row_no = s.row_no)
  AND NOT EXISTS (SELECT 1 FROM import_staging n WHERE n.nik_hash = s.nik_hash AND n.owner_name IS NOT NULL
                  AND n.row_no < s.row_no AND {OK.format("n")})
"""

# New owners: one per NIK of the batch, one per row without a NIK that names its owner.
NEW_OWNER_IDS = f"""
INSERT INTO import_owner (row_no, owner_id, new_owner)
WITH pending AS (
    SELECT s.row_no, s.nik_hash FROM import_staging s
    WHERE (s.nik_hash IS NOT NULL OR s.owner_name IS NOT NULL) AND {S_OK}
      AND NOT EXISTS (SELECT 1 FROM import_owner io WHERE io.row_no = s.row_no)
),
niks AS (
    SELECT d.nik_hash, nextval(%(owner_seq)s::regclass) AS id
    FROM (SELECT DISTINCT p.nik_hash FROM pending p WHERE p.nik_hash IS NOT NULL) d
)
SELECT p.row_no, coalesce(n.id, nextval(%(owner_seq)s::regclass)), true
FROM pending p LEFT JOIN niks n ON n.nik_hash = p.nik_hash
"""

NEW_OWNERS = """
INSERT INTO registry_owner (id, created_at, updated_at, name, nik_hash, nik_encrypted, nik_masked, sex, phone, email)
SELECT DISTINCT ON (io.owner_id) io.owner_id, %(now)s, %(now)s, s.owner_name, s.nik_hash,
       coalesce(s.nik_encrypted, ''), coalesce(s.nik_masked, ''), coalesce(s.sex, ''), coalesce(s.phone, ''),
       coalesce(s.email, '')
FROM import_owner io JOIN import_staging s ON s.row_no = io.row_no
WHERE io.new_owner
ORDER BY io.owner_id, io.row_no
"""

# Existing owners: the first row of the file naming the owner gives the details, a blank keeps them; an owner
# this run created (in an earlier batch) already has them.
CHANGED_OWNERS = f"""
WITH firsts AS (
    SELECT DISTINCT ON (io.owner_id) io.row_no, io.owner_id, s.owner_name, s.sex, s.phone, s.email
    FROM import_owner io
    JOIN import_staging s ON s.row_no = io.row_no
    JOIN registry_owner o ON o.id = io.owner_id
    WHERE NOT io.new_owner AND o.created_at < %(started)s AND {OK.format("io")}
      AND {SEEN.format("md5('o' || io.owner_id)::uuid")} IS NULL
    ORDER BY io.owner_id, io.row_no
),
updated AS (
    UPDATE registry_owner o SET name = coalesce(f.owner_name, o.name), sex = coalesce(f.sex, o.sex),
        phone = coalesce(f.phone, o.phone), email = coalesce(f.email, o.email), updated_at = %(now)s
    FROM firsts f
    WHERE o.id = f.owner_id AND (o.name, o.sex, o.phone, o.email) IS DISTINCT FROM
          (coalesce(f.owner_name, o.name), coalesce(f.sex, o.sex), coalesce(f.phone, o.phone),
           coalesce(f.email, o.email))
    RETURNING f.row_no
),
changed AS (INSERT INTO import_changed (row_no) SELECT u.row_no FROM updated u)
INSERT INTO import_seen (key, row_no) SELECT md5('o' || f.owner_id)::uuid, f.row_no FROM firsts f
"""

NEW_ENTERPRISES = f"""
WITH new AS MATERIALIZED (
    SELECT s.row_no, nextval(%(enterprise_seq)s::regclass) AS id FROM import_staging s
    WHERE {S_OK} AND NOT EXISTS (SELECT 1 FROM import_match m WHERE m.row_no = s.row_no)
),
ids AS (INSERT INTO import_match (row_no, enterprise_id, kind) SELECT n.row_no, n.id, 'n' FROM new n)
INSERT INTO registry_enterprise (id, created_at, updated_at, name, nib, npwp, owner_id, address, regency_id,
    district_id, sector_id, kbli_code, founded_year, legal_form, is_active, formal_step, class_reason,
    criteria_disagree)
SELECT n.id, %(now)s, %(now)s, s.name, s.nib, '', io.owner_id, coalesce(s.address, ''), s.regency_id, s.district_id,
       s.sector_id, coalesce(s.kbli_code, ''), s.founded_year, 'perorangan', true, 0, '', false
FROM new n JOIN import_staging s ON s.row_no = n.row_no LEFT JOIN import_owner io ON io.row_no = n.row_no
"""

# What an existing enterprise becomes; a blank cell keeps the stored value. A district is kept only while the
# regency stays, and a 5-digit KBLI only while the main group stays.
_NEW_VALUES = """
    s.name, coalesce(s.nib, e.nib), coalesce(io.owner_id, e.owner_id), coalesce(s.address, e.address), s.regency_id,
    CASE WHEN s.district_id IS NOT NULL THEN s.district_id WHEN s.regency_id = e.regency_id THEN e.district_id END,
    coalesce(s.sector_id, e.sector_id),
    CASE WHEN s.kbli_code IS NOT NULL THEN s.kbli_code
         WHEN s.sector_id IS NULL OR s.sector_id = e.sector_id THEN e.kbli_code ELSE '' END,
    coalesce(s.founded_year, e.founded_year)
"""
CHANGED_ENTERPRISES = f"""
WITH updated AS (
    UPDATE registry_enterprise e
    SET (name, nib, owner_id, address, regency_id, district_id, sector_id, kbli_code, founded_year) = ({_NEW_VALUES}),
        updated_at = %(now)s
    FROM import_match m
    JOIN import_staging s ON s.row_no = m.row_no
    LEFT JOIN import_owner io ON io.row_no = m.row_no
    WHERE m.kind <> 'n' AND e.id = m.enterprise_id AND {OK.format("m")}
      AND (e.name, e.nib, e.owner_id, e.address, e.regency_id, e.district_id, e.sector_id, e.kbli_code,
           e.founded_year) IS DISTINCT FROM ({_NEW_VALUES})
    RETURNING m.row_no
)
INSERT INTO import_changed (row_no) SELECT u.row_no FROM updated u
"""

# The year's figures: added, or updated where a given value differs (a blank keeps the stored one). A verification
# vouches for the figures it saw: the WHERE lets only changed figures through, so an update also clears it.
YEARLY_REPORTS = f"""
WITH saved AS (
    INSERT INTO registry_yearlyreport AS r (created_at, updated_at, enterprise_id, year, omzet, capital, employees,
                                            source)
    SELECT %(now)s, %(now)s, m.enterprise_id, s.report_year, s.omzet, s.capital, s.employees, 'impor'
    FROM import_staging s JOIN import_match m ON m.row_no = s.row_no
    WHERE s.report_year IS NOT NULL AND num_nonnulls(s.omzet, s.capital, s.employees) > 0 AND {S_OK}
    ON CONFLICT (enterprise_id, year) DO UPDATE SET
        omzet = coalesce(EXCLUDED.omzet, r.omzet), capital = coalesce(EXCLUDED.capital, r.capital),
        employees = coalesce(EXCLUDED.employees, r.employees), source = EXCLUDED.source,
        verified_by_id = NULL, verified_at = NULL, updated_at = EXCLUDED.updated_at
    WHERE (r.omzet, r.capital, r.employees) IS DISTINCT FROM
          (coalesce(EXCLUDED.omzet, r.omzet), coalesce(EXCLUDED.capital, r.capital),
           coalesce(EXCLUDED.employees, r.employees))
    RETURNING r.enterprise_id
)
INSERT INTO import_changed (row_no)
SELECT m.row_no FROM saved v JOIN import_match m ON m.enterprise_id = v.enterprise_id WHERE m.kind <> 'n'
"""

# A first load: every enterprise is new, so are its figures.
NEW_YEARLY_REPORTS = f"""
INSERT INTO registry_yearlyreport (created_at, updated_at, enterprise_id, year, omzet, capital, employees, source)
SELECT %(now)s, %(now)s, m.enterprise_id, s.report_year, s.omzet, s.capital, s.employees, 'impor'
FROM import_staging s JOIN import_match m ON m.row_no = s.row_no
WHERE s.report_year IS NOT NULL AND num_nonnulls(s.omzet, s.capital, s.employees) > 0 AND {S_OK}
"""

TOUCHED = f"""
SELECT m.enterprise_id, s.regency_id FROM import_match m JOIN import_staging s ON s.row_no = m.row_no
WHERE {OK.format("m")} AND (m.kind = 'n' OR EXISTS (SELECT 1 FROM import_changed c WHERE c.row_no = m.row_no))
"""

# Enterprises of one owner (NIK) in one district with very similar names, among those given (`touched`, a
# query yielding enterprise_id) — or among all when a first load has just filled the registry.
_PAIRS = f"""
INSERT INTO registry_possibleduplicate (enterprise_id, other_id, similarity, status, job_run_id, created_at)
SELECT p.a, p.b, p.score, 'terbuka', %(job)s, %(now)s
FROM (
    SELECT DISTINCT least(e.id, x.id) AS a, greatest(e.id, x.id) AS b,
           similarity({NAME_KEY.format("e.name")}, {NAME_KEY.format("x.name")}) AS score
    FROM {{scope}}
    JOIN registry_owner o ON o.id = e.owner_id AND o.nik_hash IS NOT NULL
    JOIN registry_enterprise x ON x.owner_id = e.owner_id AND x.id <> e.id AND x.district_id = e.district_id
) p
WHERE p.score >= %(similarity)s
ON CONFLICT (enterprise_id, other_id) DO NOTHING
"""
POSSIBLE_DUPLICATES = _PAIRS.format(scope=f"({TOUCHED}) t JOIN registry_enterprise e ON e.id = t.enterprise_id")
ALL_POSSIBLE_DUPLICATES = _PAIRS.format(scope="registry_enterprise e")

COUNTS = """
SELECT count(*) FILTER (WHERE m.kind = 'n'),
       count(*) FILTER (WHERE m.kind <> 'n' AND EXISTS (SELECT 1 FROM import_changed c WHERE c.row_no = s.row_no)),
       count(*) FILTER (WHERE m.kind <> 'n' AND NOT EXISTS (SELECT 1 FROM import_changed c WHERE c.row_no = s.row_no)),
       count(*) FILTER (WHERE r.row_no IS NOT NULL)
FROM import_staging s
LEFT JOIN import_reject r ON r.row_no = s.row_no
LEFT JOIN import_match m ON m.row_no = s.row_no AND r.row_no IS NULL
"""

REJECTS = """
SELECT r.row_no, r.reason, r.first_row, s.nib, s.name, s.nik_masked, e.name, e.nib, eo.nik_masked, ro.name
FROM import_reject r
JOIN import_staging s ON s.row_no = r.row_no
LEFT JOIN registry_enterprise e ON e.id = CASE WHEN r.reason IN ('nib_owner', 'nib_differs') THEN r.ref END
LEFT JOIN registry_owner eo ON eo.id = e.owner_id
LEFT JOIN registry_owner ro ON ro.id = CASE WHEN r.reason = 'nik_taken' THEN r.ref END
ORDER BY r.row_no
"""

# A bulk first load: which staged rows to keep and the row whose cells make each one's owner, decided in Python
# in file order (pipeline.BulkDecider). Ids are the run's reserved bases plus row numbers, so rows reference
# their owners without a look-up; each batch is three plain INSERTs.
BULK_TABLE = "CREATE TEMP TABLE import_bulk (row_no integer PRIMARY KEY, owner_row integer)"
BULK_OWNERS = """
INSERT INTO registry_owner (id, created_at, updated_at, name, nik_hash, nik_encrypted, nik_masked, sex, phone, email)
SELECT %(owner_base)s + s.row_no, %(now)s, %(now)s, s.owner_name, s.nik_hash, coalesce(s.nik_encrypted, ''),
       coalesce(s.nik_masked, ''), coalesce(s.sex, ''), coalesce(s.phone, ''), coalesce(s.email, '')
FROM import_bulk b JOIN import_staging s ON s.row_no = b.row_no
WHERE b.owner_row = b.row_no
"""
BULK_ENTERPRISES = """
INSERT INTO registry_enterprise (id, created_at, updated_at, name, nib, npwp, owner_id, address, regency_id,
    district_id, sector_id, kbli_code, founded_year, legal_form, is_active, formal_step, class_reason,
    criteria_disagree)
SELECT %(enterprise_base)s + s.row_no, %(now)s, %(now)s, s.name, s.nib, '', %(owner_base)s + b.owner_row,
       coalesce(s.address, ''), s.regency_id, s.district_id, s.sector_id, coalesce(s.kbli_code, ''), s.founded_year,
       'perorangan', true, 0, '', false
FROM import_bulk b JOIN import_staging s ON s.row_no = b.row_no
"""
BULK_REPORTS = """
INSERT INTO registry_yearlyreport (created_at, updated_at, enterprise_id, year, omzet, capital, employees, source)
SELECT %(now)s, %(now)s, %(enterprise_base)s + s.row_no, s.report_year, s.omzet, s.capital, s.employees, 'impor'
FROM import_bulk b JOIN import_staging s ON s.row_no = b.row_no
WHERE s.report_year IS NOT NULL AND num_nonnulls(s.omzet, s.capital, s.employees) > 0
"""
BULK_REGENCIES = """
SELECT DISTINCT NULL::bigint, s.regency_id FROM import_bulk b JOIN import_staging s ON s.row_no = b.row_no
"""

# What a bulk first load drops and rebuilds at the end, as seed_demo does: secondary indexes, and the unique
# constraints no foreign key relies on (the run keeps NIBs and NIKs unique itself; rebuilding checks it).
SECONDARY_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
ORDER BY 1
"""
UNIQUE_CONSTRAINTS = """
SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
WHERE c.conrelid = ANY(%s::regclass[]) AND c.contype = 'u'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
ORDER BY 1, 2
"""
