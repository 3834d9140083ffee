-- Balance holds leave PostgreSQL (they live in Valkey, tokaroo_common.reservations); the
-- ledger stays the book of record and mirrors each tenant's balance there.
--
-- balance_version counts the changes of a tenant's balance, so a mirror written by several
-- ledger replicas keeps the newest one whatever order their writes arrive in.
ALTER TABLE tenants ADD COLUMN balance_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION tenants_balance_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.balance_nano IS DISTINCT FROM OLD.balance_nano THEN
        NEW.balance_version := OLD.balance_version + 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tenants_balance_version BEFORE UPDATE OF balance_nano ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_balance_version();

-- Each Valkey data set the mirror was built in. A new one after an earlier one means Valkey
-- lost its data, and with it the live holds: holds are refused until fence_until, by when
-- every request that held before the loss has ended.
CREATE TABLE reservation_epochs (
    epoch       text        PRIMARY KEY,
    seen_at     timestamptz NOT NULL DEFAULT now(),
    fence_until timestamptz NOT NULL
);

DROP FUNCTION ledger_hold_key(uuid, text, bigint, bigint, uuid);
DROP FUNCTION ledger_hold(uuid, text, bigint, bigint);
DROP TABLE holds;
