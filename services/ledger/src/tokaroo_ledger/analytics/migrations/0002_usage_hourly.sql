-- Per tenant / hour / tier rollup, fed by a materialized view on every insert into
-- completion_events. Sums are SimpleAggregateFunction(sum); latency and TTFT are t-digest
-- quantile states (merge with quantilesTDigestMerge(0.5, 0.95, 0.99)). The deduplication
-- window lets a retried insert (same insert_deduplication_token) be dropped here too.
CREATE TABLE IF NOT EXISTS usage_hourly
(
    tenant_id           String,
    hour                DateTime('UTC'),
    tier                LowCardinality(String),
    model_requested     LowCardinality(String),
    endpoint            LowCardinality(String),
    requests            SimpleAggregateFunction(sum, UInt64),
    input_tokens        SimpleAggregateFunction(sum, Int64),
    output_tokens       SimpleAggregateFunction(sum, Int64),
    cached_tokens       SimpleAggregateFunction(sum, Int64),
    charged_nano        SimpleAggregateFunction(sum, Int64),
    upstream_cost_nano  SimpleAggregateFunction(sum, Int64),
    baseline_cost_nano  SimpleAggregateFunction(sum, Int64),
    cache_exact         SimpleAggregateFunction(sum, UInt64),
    cache_semantic      SimpleAggregateFunction(sum, UInt64),
    errors              SimpleAggregateFunction(sum, UInt64),
    partials            SimpleAggregateFunction(sum, UInt64),
    fallbacks           SimpleAggregateFunction(sum, UInt64),
    streamed            SimpleAggregateFunction(sum, UInt64),
    latency_q           AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32),
    ttft_q              AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, hour, tier, model_requested, endpoint)
TTL hour + INTERVAL 1100 DAY DELETE
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS usage_hourly_mv TO usage_hourly AS
SELECT
    tenant_id,
    toStartOfHour(e.created_at) AS hour,
    tier,
    model_requested,
    endpoint,
    toUInt64(count()) AS requests,
    sum(e.input_tokens) AS input_tokens,
    sum(e.output_tokens) AS output_tokens,
    sum(e.cached_tokens) AS cached_tokens,
    sum(e.charged_nano) AS charged_nano,
    sum(e.upstream_cost_nano) AS upstream_cost_nano,
    sum(e.baseline_cost_nano) AS baseline_cost_nano,
    toUInt64(countIf(e.cache_outcome = 'exact')) AS cache_exact,
    toUInt64(countIf(e.cache_outcome = 'semantic')) AS cache_semantic,
    toUInt64(countIf(e.status = 'error')) AS errors,
    toUInt64(countIf(e.status = 'partial')) AS partials,
    toUInt64(countIf(e.attempts > 1)) AS fallbacks,
    toUInt64(countIf(e.streamed)) AS streamed,
    quantilesTDigestState(0.5, 0.95, 0.99)(e.latency_ms) AS latency_q,
    quantilesTDigestStateIf(0.5, 0.95, 0.99)(e.ttft_ms, e.ttft_ms > 0) AS ttft_q
FROM completion_events AS e
GROUP BY tenant_id, hour, tier, model_requested, endpoint;
