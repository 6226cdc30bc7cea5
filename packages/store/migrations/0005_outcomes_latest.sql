-- The latest outcome of each prediction, kept at ingest so that outcome-based metrics join one row per
-- prediction read in key order, instead of collapsing every outcome with argMax at query time
-- (docs/metrics.md, "Outcome join": 10M predictions × 10M outcomes went from ~6.4 s to a sorted
-- merge join over this table).
-- - One row per (project, model_id, prediction_id) after merges; until then, and under FINAL, the
--   row with the largest `version` wins: the outcome's (ts, received) packed into one Int128,
--   ts·2^64 + received (milliseconds), which orders exactly like the tuple, so a correction (later
--   ts) wins and, at the same ts, the later receipt (a retry) wins — the rule of argMax over
--   `outcomes`. Readers must use FINAL (or argMax by version): parts are merged in the background.
-- - Partitioned by the outcome's month with the outcomes' TTL, so retention drops whole parts; a
--   correction in a later month sits in another partition until TTL drops the older row, and FINAL
--   (which merges across partitions) still returns only the latest.
-- - The view writes every insert into `outcomes` here; it is created before the backfill so that an
--   insert by another writer during the migration is not lost (a row that arrives both ways is a
--   duplicate that FINAL and merges collapse, so running the backfill twice changes no result).
--   The backfill is a data statement: on the supported single-shard cluster it runs on the node that
--   migrates and reaches the other replicas by replication (INSERT takes no ON CLUSTER).
CREATE TABLE IF NOT EXISTS {{database}}.outcomes_latest {{on_cluster}}
(
    project LowCardinality(String),
    model_id LowCardinality(String),
    prediction_id UUID,
    ts DateTime64(3) CODEC(Delta, ZSTD(1)),
    received DateTime64(3) CODEC(Delta, ZSTD(1)),
    model_version LowCardinality(String),
    label LowCardinality(String),
    value Float64 DEFAULT nan,
    version Int128 MATERIALIZED toInt128(toUnixTimestamp64Milli(ts)) * toInt128('18446744073709551616') + toUnixTimestamp64Milli(received)
)
ENGINE = {{engine ReplacingMergeTree(version)}}
PARTITION BY toYYYYMM(ts)
ORDER BY (project, model_id, prediction_id)
TTL toDateTime(ts) + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.outcomes_latest_mv {{on_cluster}} TO {{database}}.outcomes_latest
AS SELECT project, model_id, prediction_id, ts, received, model_version, label, value
FROM {{database}}.outcomes;

INSERT INTO {{database}}.outcomes_latest (project, model_id, prediction_id, ts, received, model_version, label, value)
SELECT project, model_id, prediction_id, ts, received, model_version, label, value
FROM {{database}}.outcomes;
