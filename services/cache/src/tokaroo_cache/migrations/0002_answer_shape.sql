-- Semantic entries are matched on the answer's shape as well as the conversation: the digest
-- of every answer-shaping field, the answer's length (served only within a request's output
-- limit), and the typed conversation itself (tokaroo.conversation.v1.Conversation) instead
-- of a text rendering of it. Entries stored before were matched without their shape (a tool
-- call could answer a tool result; plain text could answer a JSON schema): they are dropped.
DELETE FROM cache_semantic_entries;
ALTER TABLE cache_semantic_entries DROP COLUMN normalized_text;
ALTER TABLE cache_semantic_entries ADD COLUMN shape_digest text NOT NULL;
ALTER TABLE cache_semantic_entries ADD COLUMN completion_tokens integer NOT NULL;
ALTER TABLE cache_semantic_entries ADD COLUMN conversation bytea NOT NULL;
-- A rare shape (a JSON schema among a tenant's plain chats) is found through this index and
-- sorted exactly, instead of an HNSW scan that filters out nearly every row it visits.
CREATE INDEX cache_semantic_entries_shape
    ON cache_semantic_entries (tenant_id, model, shape_digest);
