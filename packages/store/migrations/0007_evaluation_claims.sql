-- Who computes an evaluation: a (control, version, window) is claimed before it is computed, so that
-- several collectors on one store compute it once. A claim is an insert with
-- insert_deduplication_token = the claim's key and attempt: of concurrent claims one block lands, and
-- every claimant reads back which. A claim whose holder never recorded the evaluation expires after
-- its lease, and the next attempt number may be claimed.
CREATE TABLE IF NOT EXISTS {{database}}.evaluation_claims {{on_cluster}}
(
    claim_key String,
    attempt UInt32,
    claimant String,
    claimed_at DateTime64(3)
)
ENGINE = {{engine MergeTree()}}
ORDER BY (claim_key, attempt)
TTL toDateTime(claimed_at) + toIntervalDay(30)
SETTINGS non_replicated_deduplication_window = 100000
