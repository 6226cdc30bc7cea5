-- API keys: only a SHA-256 digest of each key is kept (keys are 256-bit random strings or an operator's
-- AIMS_INIT_API_KEY, so a slow password hash adds nothing). A revocation is a newer version of the row.
CREATE TABLE IF NOT EXISTS {{database}}.api_keys {{on_cluster}}
(
    id UUID,
    project LowCardinality(String),
    name String,
    key_prefix String,
    key_sha256 FixedString(64),
    scopes Array(LowCardinality(String)),
    created_at DateTime64(3),
    revoked_at DateTime64(3) DEFAULT toDateTime64(0, 3),
    version UInt64
)
ENGINE = {{engine ReplacingMergeTree(version)}}
ORDER BY id
