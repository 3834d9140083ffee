-- Balance holds: an estimate reserved before the upstream call, removed when the request's
-- CompletionEvent is settled; a hold left by a crashed edge stops counting at expires_at.
CREATE TABLE holds (
    request_id  text        PRIMARY KEY,
    tenant_id   uuid        NOT NULL REFERENCES tenants (id),
    amount_nano bigint      NOT NULL CHECK (amount_nano >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
CREATE INDEX holds_tenant_idx ON holds (tenant_id, expires_at);

-- Per-key rate limits (0 = no per-key limit).
ALTER TABLE api_keys
    ADD COLUMN requests_per_minute bigint NOT NULL DEFAULT 0 CHECK (requests_per_minute >= 0),
    ADD COLUMN tokens_per_minute   bigint NOT NULL DEFAULT 0 CHECK (tokens_per_minute >= 0);
