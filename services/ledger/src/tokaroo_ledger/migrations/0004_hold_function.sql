-- A hold in one round trip: the edge waits on it before every upstream call, and the
-- transaction of 0002 took seven (BEGIN, SET, SELECT FOR UPDATE, DELETE, SELECT, INSERT,
-- COMMIT). Same rules: serialized per tenant by the tenant row lock, idempotent on
-- request_id, expired holds stop counting.
CREATE FUNCTION ledger_hold(p_tenant uuid, p_request text, p_amount bigint, p_ttl_ms bigint)
RETURNS TABLE (tenant_found boolean, ok boolean, available_nano bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_balance bigint;
    v_held    bigint;
BEGIN
    -- A hold is transient (it expires; settlement removes it): losing the last few on a
    -- database crash is harmless, so its commit need not wait for the WAL flush.
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT t.balance_nano INTO v_balance FROM tenants t WHERE t.id = p_tenant FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT false, false, 0::bigint;
        RETURN;
    END IF;
    DELETE FROM holds h WHERE h.tenant_id = p_tenant AND h.expires_at < now();
    SELECT coalesce(sum(h.amount_nano), 0)::bigint INTO v_held
        FROM holds h WHERE h.tenant_id = p_tenant AND h.request_id <> p_request;
    IF v_balance - v_held <= 0 OR v_balance - v_held < p_amount THEN
        RETURN QUERY SELECT true, false, v_balance - v_held;
        RETURN;
    END IF;
    INSERT INTO holds (request_id, tenant_id, amount_nano, expires_at)
        VALUES (p_request, p_tenant, p_amount,
                now() + make_interval(secs => p_ttl_ms::double precision / 1000))
        ON CONFLICT (request_id) DO UPDATE SET amount_nano = EXCLUDED.amount_nano;
    RETURN QUERY SELECT true, true, v_balance - v_held;
END
$$;
