-- Ledger schema: tenants, hashed API keys, the append-only ledger and per-request usage.
-- Invariant: tenants.balance_nano = sum(ledger_entries.amount_nano) of the tenant, kept by
-- writing both in the same transaction. Money is integer nano-USD (1e-9 USD).

CREATE TABLE tenants (
    id           uuid PRIMARY KEY,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    balance_nano bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    tenant_id    uuid        NOT NULL REFERENCES tenants (id),
    name         text        NOT NULL CHECK (length(name) <= 200),
    prefix       text        NOT NULL,
    key_hash     text        NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id, created_at DESC);

CREATE TABLE ledger_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id   uuid        NOT NULL REFERENCES tenants (id),
    kind        text        NOT NULL CHECK (kind IN ('credit', 'charge', 'refund', 'adjustment')),
    amount_nano bigint      NOT NULL,
    cause_id    text        NOT NULL UNIQUE,  -- request id, payment event id or adjustment id
    reason      text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT ledger_entries_sign CHECK (
        (kind = 'credit' AND amount_nano > 0)
        OR (kind = 'charge' AND amount_nano < 0)
        OR (kind = 'refund' AND amount_nano > 0)
        OR (kind = 'adjustment' AND amount_nano <> 0))
);
CREATE INDEX ledger_entries_tenant_idx ON ledger_entries (tenant_id, created_at);

CREATE FUNCTION ledger_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger_entries is append-only (% refused)', TG_OP;
END
$$;
CREATE TRIGGER ledger_entries_no_change BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only();

CREATE TABLE usage (
    request_id         text PRIMARY KEY,
    tenant_id          uuid        NOT NULL REFERENCES tenants (id),
    key_id             uuid,
    endpoint           text        NOT NULL DEFAULT '',
    tier               text        NOT NULL DEFAULT '',
    model_requested    text        NOT NULL DEFAULT '',
    resolved_model     text        NOT NULL DEFAULT '',  -- internal only
    provider           text        NOT NULL DEFAULT '',  -- internal only
    streamed           boolean     NOT NULL DEFAULT false,
    input_tokens       bigint      NOT NULL DEFAULT 0,
    output_tokens      bigint      NOT NULL DEFAULT 0,
    cached_tokens      bigint      NOT NULL DEFAULT 0,
    upstream_cost_nano bigint      NOT NULL DEFAULT 0,
    baseline_cost_nano bigint      NOT NULL DEFAULT 0,
    charged_nano       bigint      NOT NULL DEFAULT 0 CHECK (charged_nano >= 0),
    cache_outcome      text        NOT NULL DEFAULT '',
    latency_ms         bigint      NOT NULL DEFAULT 0,
    ttft_ms            bigint      NOT NULL DEFAULT 0,
    status             text        NOT NULL DEFAULT '',
    error_code         text        NOT NULL DEFAULT '',
    attempts           integer     NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL,
    settled_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX usage_tenant_created_idx ON usage (tenant_id, created_at DESC, request_id DESC);
