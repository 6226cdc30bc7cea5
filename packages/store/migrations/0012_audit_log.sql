-- Administrative actions (keys created and revoked, alerts acknowledged and resolved,
-- nonconformity changes, policy loads, reference imports): append-only and hash-chained like
-- `evaluations` (hash = sha256(prev_hash || "\n" || record), record = canonical JSON), so that
-- `aims verify` can show nobody rewrote who did what. No TTL: it is evidence.
CREATE TABLE IF NOT EXISTS {{database}}.audit_log {{on_cluster}}
(
    seq UInt64,
    at DateTime64(3),
    project LowCardinality(String),
    actor String,
    action LowCardinality(String),
    target String,
    record String CODEC(ZSTD(3)),
    prev_hash FixedString(64),
    hash FixedString(64)
)
ENGINE = {{engine MergeTree()}}
ORDER BY seq
SETTINGS non_replicated_deduplication_window = 100000
