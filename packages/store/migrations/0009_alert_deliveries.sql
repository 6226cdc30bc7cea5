-- Every attempt to deliver an alert notification (webhook, Slack, email, Alertmanager, PagerDuty),
-- successful or not: evidence that governance was told, and when.
CREATE TABLE IF NOT EXISTS {{database}}.alert_deliveries {{on_cluster}}
(
    alert_id UUID,
    delivery_id UUID,
    notifier String,
    notifier_type LowCardinality(String),
    event LowCardinality(String),
    attempt UInt32,
    started_at DateTime64(3),
    duration_ms Float64,
    ok Bool,
    status UInt16,
    error String,
    will_retry Bool
)
ENGINE = {{engine MergeTree()}}
ORDER BY (alert_id, started_at)
