-- Nonconformity records (ISO/IEC 42001 clause 10.2), opened on a breach: containment, root cause,
-- corrective action, owner, due date, effectiveness check, closure. Like alerts, each change is a new
-- version row, so the record's history is kept.
CREATE TABLE IF NOT EXISTS {{database}}.nonconformities {{on_cluster}}
(
    id UUID,
    version UInt32,
    project LowCardinality(String),
    control_id LowCardinality(String),
    alert_id UUID,
    status LowCardinality(String),
    changed_at DateTime64(3),
    actor String,
    state_json String
)
ENGINE = {{engine MergeTree()}}
ORDER BY (id, version)
SETTINGS non_replicated_deduplication_window = 100000
