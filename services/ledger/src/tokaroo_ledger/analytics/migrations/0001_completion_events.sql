-- Raw completion events, one row per request_id once merged. At-least-once delivery can
-- insert a request twice; ReplacingMergeTree collapses rows with the same sorting key
-- (tenant_id, hour, request_id) at merge time, so reads over this table use FINAL.
-- The sink never inserts a request_id that is already present (it checks first), which
-- keeps the rollups fed by the materialized views exact.
CREATE TABLE IF NOT EXISTS completion_events
(
    request_id          String,
    tenant_id           String,
    key_id              String,
    model_requested     LowCardinality(String),
    tier                LowCardinality(String),
    resolved_model      LowCardinality(String),
    provider            LowCardinality(String),
    endpoint            LowCardinality(String),
    input_tokens        Int64,
    output_tokens       Int64,
    cached_tokens       Int64,
    upstream_cost_nano  Int64,
    baseline_cost_nano  Int64,
    charged_nano        Int64,
    cache_outcome       LowCardinality(String),
    latency_ms          UInt32,
    ttft_ms             UInt32,
    status              LowCardinality(String),
    error_code          LowCardinality(String),
    attempts            UInt16,
    streamed            Bool,
    created_at          DateTime64(3, 'UTC'),
    ingested_at         DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_request_id request_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(created_at)
ORDER BY (tenant_id, toStartOfHour(created_at), request_id)
TTL toDateTime(created_at) + INTERVAL 400 DAY DELETE
SETTINGS non_replicated_deduplication_window = 10000;
