-- Reference data sets a drift control compares with: uploaded once, never changed (a new upload is a
-- new id). The rows sit in their own table (`rows_table`, same column naming as a predictions table);
-- this registry keeps the file's SHA-256 (lineage for auditors) and the profile computed at import
-- (bin edges, counts, category frequencies).
CREATE TABLE IF NOT EXISTS {{database}}.reference_datasets {{on_cluster}}
(
    project LowCardinality(String),
    model_id String,
    id String,
    sha256 FixedString(64),
    source_name String,
    format LowCardinality(String),
    row_count UInt64,
    rows_table String,
    profile String CODEC(ZSTD(3)),
    created_at DateTime64(3),
    created_by String
)
ENGINE = {{engine ReplacingMergeTree(created_at)}}
ORDER BY (project, model_id, id)
