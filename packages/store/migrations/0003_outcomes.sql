-- Ground truth for predictions, possibly days later. Keyed by the prediction's UUID so the join to a
-- predictions table is on a 16-byte key. A retried outcome (same prediction, same timestamp) collapses
-- on merge and under FINAL; a corrected outcome (later timestamp) is kept beside the first and readers
-- take the latest with argMax.
CREATE TABLE IF NOT EXISTS {{database}}.outcomes {{on_cluster}}
(
    project LowCardinality(String),
    model_id LowCardinality(String),
    prediction_id UUID,
    ts DateTime64(3) CODEC(Delta, ZSTD(1)),
    received DateTime64(3) CODEC(Delta, ZSTD(1)),
    model_version LowCardinality(String),
    label LowCardinality(String),
    value Float64 DEFAULT nan
)
ENGINE = {{engine ReplacingMergeTree(received)}}
PARTITION BY toYYYYMM(ts)
ORDER BY (project, model_id, prediction_id, ts)
TTL toDateTime(ts) + toIntervalDay({{retention_days}})
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000
