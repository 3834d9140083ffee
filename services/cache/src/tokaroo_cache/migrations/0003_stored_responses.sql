-- Stored OpenAI Responses API responses (store: true), keyed by (tenant_id, response_id):
-- every statement on this table names the tenant, so an id of another tenant is not found.
-- `conversation` is the typed tokaroo.conversation.v1.Conversation (input and output turns),
-- `messages_json` the same turns as canonical chat messages, `response_json` the response
-- object as served. Rows expire (`expires_at`); expired rows are never read and are swept.
CREATE TABLE stored_responses (
    tenant_id      text        NOT NULL,
    response_id    text        NOT NULL,
    conversation   bytea       NOT NULL,
    messages_json  bytea       NOT NULL,
    response_json  bytea       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, response_id)
);

CREATE INDEX stored_responses_expires ON stored_responses (expires_at);
