-- Stripe webhook events, each recorded once (a replay inserts nothing). A paid Checkout
-- Session credits at most once: the credited row of a session is unique, whichever event
-- (completed, async_payment_succeeded, a redelivery under another id) arrives first. The
-- credit itself is a ledger entry kind 'credit' whose cause_id is the Stripe event id.
CREATE TABLE stripe_events (
    event_id    text        PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 255),
    event_type  text        NOT NULL,
    session_id  text,
    tenant_id   uuid        REFERENCES tenants (id),
    amount_nano bigint      NOT NULL DEFAULT 0 CHECK (amount_nano >= 0),
    credited    boolean     NOT NULL DEFAULT false,
    received_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT stripe_events_credit CHECK (
        NOT credited OR (session_id IS NOT NULL AND tenant_id IS NOT NULL AND amount_nano > 0))
);
CREATE UNIQUE INDEX stripe_events_session_credited_idx ON stripe_events (session_id)
    WHERE credited;
