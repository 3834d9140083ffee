-- Key controls: a spend cap per key and period, allowed model values and an expiry.
--
-- A key's spend is counted per UTC day in key_spend_daily, written by settlement in the same
-- statement that inserts the usage row (so once per request id); a period's spend is the sum
-- of its days: 'day' = today, 'month' = the days of this month, 'total' = every day. Changing
-- a key's period therefore never loses or double-counts spend.
ALTER TABLE api_keys
    ADD COLUMN budget_nano    bigint CHECK (budget_nano IS NULL OR budget_nano >= 0),
    ADD COLUMN budget_period  text   NOT NULL DEFAULT 'month'
        CHECK (budget_period IN ('day', 'month', 'total')),
    ADD COLUMN allowed_models text[] NOT NULL DEFAULT '{}',  -- empty = every model value
    ADD COLUMN expires_at     timestamptz;

CREATE TABLE key_spend_daily (
    key_id     uuid   NOT NULL REFERENCES api_keys (id),
    tenant_id  uuid   NOT NULL REFERENCES tenants (id),
    day        date   NOT NULL,
    spent_nano bigint NOT NULL DEFAULT 0 CHECK (spent_nano >= 0),
    requests   bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, day)
);
CREATE INDEX key_spend_daily_tenant_idx ON key_spend_daily (tenant_id, day);

ALTER TABLE holds ADD COLUMN key_id uuid;
CREATE INDEX holds_key_idx ON holds (key_id) WHERE key_id IS NOT NULL;
CREATE INDEX usage_tenant_key_created_idx ON usage (tenant_id, key_id, created_at DESC);

-- The first day of the period containing `at` (UTC); NULL for 'total' (every day counts).
CREATE FUNCTION key_period_start(p_period text, p_at timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE p_period
        WHEN 'day' THEN (p_at AT TIME ZONE 'UTC')::date
        WHEN 'month' THEN date_trunc('month', p_at AT TIME ZONE 'UTC')::date
        ELSE NULL END
$$;

-- ledger_hold (0004) plus the key: in the same call, under the same tenant row lock, the
-- key's period spend + its other live holds + this amount must stay within its budget, and
-- the key must be live (not revoked, not expired). Refusals say why:
--   reason 'balance'      balance minus live holds cannot cover the amount
--   reason 'key_budget'   the key's budget cannot (key_* columns say how much is left)
--   reason 'key_inactive' the key is revoked, expired or not the tenant's
-- A NULL p_key (internal callers) checks the balance only, as 0004 does.
CREATE FUNCTION ledger_hold_key(p_tenant uuid, p_request text, p_amount bigint,
                                p_ttl_ms bigint, p_key uuid)
RETURNS TABLE (tenant_found boolean, ok boolean, available_nano bigint, reason text,
               key_budget_nano bigint, key_spent_nano bigint, key_held_nano bigint,
               key_period text)
LANGUAGE plpgsql AS $$
DECLARE
    v_balance bigint;
    v_held    bigint;
    v_budget  bigint;
    v_period  text := '';
    v_revoked timestamptz;
    v_expires timestamptz;
    v_spent   bigint := 0;
    v_kheld   bigint := 0;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT t.balance_nano INTO v_balance FROM tenants t WHERE t.id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, false, 0::bigint, 'tenant'::text, NULL::bigint,
            0::bigint, 0::bigint, ''::text;
        RETURN;
    END IF;
    DELETE FROM holds h WHERE h.tenant_id = p_tenant AND h.expires_at < now();
    SELECT coalesce(sum(h.amount_nano), 0)::bigint INTO v_held
        FROM holds h WHERE h.tenant_id = p_tenant AND h.request_id <> p_request;
    IF p_key IS NOT NULL THEN
        SELECT k.budget_nano, k.budget_period, k.revoked_at, k.expires_at
            INTO v_budget, v_period, v_revoked, v_expires
            FROM api_keys k WHERE k.id = p_key AND k.tenant_id = p_tenant;
        IF NOT FOUND OR v_revoked IS NOT NULL
                OR (v_expires IS NOT NULL AND v_expires <= now()) THEN
            RETURN QUERY SELECT true, false, v_balance - v_held, 'key_inactive'::text,
                NULL::bigint, 0::bigint, 0::bigint, ''::text;
            RETURN;
        END IF;
        IF v_budget IS NOT NULL THEN
            SELECT coalesce(sum(s.spent_nano), 0)::bigint INTO v_spent
                FROM key_spend_daily s
                WHERE s.key_id = p_key AND s.tenant_id = p_tenant
                  AND s.day >= coalesce(key_period_start(v_period, now()),
                                        '-infinity'::date);
            SELECT coalesce(sum(h.amount_nano), 0)::bigint INTO v_kheld
                FROM holds h WHERE h.tenant_id = p_tenant AND h.key_id = p_key
                  AND h.request_id <> p_request;
            IF v_spent + v_kheld + p_amount > v_budget THEN
                RETURN QUERY SELECT true, false, v_balance - v_held, 'key_budget'::text,
                    v_budget, v_spent, v_kheld, v_period;
                RETURN;
            END IF;
        END IF;
    END IF;
    IF v_balance - v_held <= 0 OR v_balance - v_held < p_amount THEN
        RETURN QUERY SELECT true, false, v_balance - v_held, 'balance'::text,
            v_budget, v_spent, v_kheld, v_period;
        RETURN;
    END IF;
    INSERT INTO holds (request_id, tenant_id, amount_nano, expires_at, key_id)
        VALUES (p_request, p_tenant, p_amount,
                now() + make_interval(secs => p_ttl_ms::double precision / 1000), p_key)
        ON CONFLICT (request_id) DO UPDATE SET amount_nano = EXCLUDED.amount_nano;
    RETURN QUERY SELECT true, true, v_balance - v_held, ''::text, v_budget,
        v_spent, v_kheld, v_period;
END
$$;
