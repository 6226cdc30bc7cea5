-- Registry of models: one row per (project, model), naming the per-model predictions table that
-- holds its events (one typed column per feature: see docs/storage-layout.md).
CREATE TABLE IF NOT EXISTS {{database}}.models {{on_cluster}}
(
    project LowCardinality(String),
    model_id String,
    predictions_table String,
    created_at DateTime64(3)
)
ENGINE = {{engine ReplacingMergeTree(created_at)}}
ORDER BY (project, model_id)
