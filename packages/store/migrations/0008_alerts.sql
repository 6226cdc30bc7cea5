-- Alerts: every state an alert went through is a row (version = a counter per alert), so the history
-- (opened, updated, escalated, acknowledged, resolved: who, when, why) is kept and the current state
-- is the row with the highest version (LIMIT 1 BY id). Deduplicated per (project, control, segment):
-- one alert is open for a pair at a time.
CREATE TABLE IF NOT EXISTS {{database}}.alerts {{on_cluster}}
(
    id UUID,
    version UInt32,
    project LowCardinality(String),
    control_id LowCardinality(String),
    segment String,
    model_id LowCardinality(String),
    state LowCardinality(String),
    change LowCardinality(String),
    actor String,
    note String,
    changed_at DateTime64(3),
    state_json String
)
ENGINE = {{engine MergeTree()}}
ORDER BY (id, version)
SETTINGS non_replicated_deduplication_window = 100000
