-- Every version of a control policy that was loaded: its file's SHA-256, the text itself, the
-- approval metadata it carried and a unified diff against the version loaded before it. A restart
-- with an unchanged file adds nothing.
CREATE TABLE IF NOT EXISTS {{database}}.policy_versions {{on_cluster}}
(
    name String,
    sha256 FixedString(64),
    loaded_at DateTime64(3),
    loaded_by String,
    version String,
    previous_sha256 String,
    text String CODEC(ZSTD(3)),
    diff String CODEC(ZSTD(3)),
    summary String
)
ENGINE = {{engine MergeTree()}}
ORDER BY (name, loaded_at)
