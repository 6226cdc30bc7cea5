-- Settings the store itself must remember between runs (for example the retention in force).
CREATE TABLE IF NOT EXISTS {{database}}.meta {{on_cluster}}
(
    key String,
    value String,
    updated DateTime64(3)
)
ENGINE = {{engine ReplacingMergeTree(updated)}}
ORDER BY key
