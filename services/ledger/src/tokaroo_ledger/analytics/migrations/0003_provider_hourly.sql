-- Operator-only rollup per hour / provider / resolved model / tier / status / error code
-- (provider health, fallbacks, upstream cost and latency). Never exposed to tenants.
CREATE TABLE IF NOT EXISTS provider_hourly
(
    hour                DateTime('UTC'),
    provider            LowCardinality(String),
    resolved_model      LowCardinality(String),
    tier                LowCardinality(String),
    status              LowCardinality(String),
    error_code          LowCardinality(String),
    cache_outcome       LowCardinality(String),
    requests            SimpleAggregateFunction(sum, UInt64),
    attempts            SimpleAggregateFunction(sum, UInt64),
    fallbacks           SimpleAggregateFunction(sum, UInt64),
    input_tokens        SimpleAggregateFunction(sum, Int64),
    output_tokens       SimpleAggregateFunction(sum, Int64),
    upstream_cost_nano  SimpleAggregateFunction(sum, Int64),
    latency_q           AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32),
    ttft_q              AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, provider, resolved_model, tier, status, error_code, cache_outcome)
TTL hour + INTERVAL 400 DAY DELETE
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS provider_hourly_mv TO provider_hourly AS
SELECT
    toStartOfHour(e.created_at) AS hour,
    provider,
    resolved_model,
    tier,
    status,
    error_code,
    cache_outcome,
    toUInt64(count()) AS requests,
    toUInt64(sum(e.attempts)) AS attempts,
    toUInt64(countIf(e.attempts > 1)) AS fallbacks,
    sum(e.input_tokens) AS input_tokens,
    sum(e.output_tokens) AS output_tokens,
    sum(e.upstream_cost_nano) AS upstream_cost_nano,
    quantilesTDigestState(0.5, 0.95, 0.99)(e.latency_ms) AS latency_q,
    quantilesTDigestStateIf(0.5, 0.95, 0.99)(e.ttft_ms, e.ttft_ms > 0) AS ttft_q
FROM completion_events AS e
GROUP BY hour, provider, resolved_model, tier, status, error_code, cache_outcome;
