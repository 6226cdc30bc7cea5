-- Evaluation records: the evidence that each operational control ran, append-only and hash-chained
-- (docs/evidence.md). One row per (control, version, window) evaluation. `record` is the whole record
-- as canonical JSON (RFC 8785), which is what `hash` covers: hash = sha256(prev_hash || record).
-- The columns beside it are copies for filtering; the chain check compares them with the record.
-- Plain MergeTree: nothing is collapsed or replaced. The next `seq` is taken optimistically with
-- insert_deduplication_token = 'evaluation-seq-<seq>': when two evaluators race for one seq, the
-- engine keeps one block, the loser reads the winner's row back and retries at the next seq.
-- No TTL: evidence outlives the events it was computed from (retention is the operator's decision).
CREATE TABLE IF NOT EXISTS {{database}}.evaluations {{on_cluster}}
(
    seq UInt64,
    id UUID,
    evaluation_key String,
    project LowCardinality(String),
    control_id LowCardinality(String),
    control_version UInt32,
    model_id LowCardinality(String),
    outcome LowCardinality(String),
    window_from DateTime64(3),
    window_to DateTime64(3),
    evaluated_at DateTime64(3),
    record String CODEC(ZSTD(3)),
    prev_hash FixedString(64),
    hash FixedString(64)
)
ENGINE = {{engine MergeTree()}}
ORDER BY seq
SETTINGS non_replicated_deduplication_window = 100000
