-- Semantic cache entries: one row per stored answer, always read and written with tenant_id.
-- Vectors are multilingual-e5-small (384 dims), L2-normalized; `embedding` is the search key
-- (last user message, plus the conversation before it when there is one), the other two are
-- compared after the search.
CREATE TABLE cache_semantic_entries (
    id                bigserial PRIMARY KEY,
    tenant_id         text        NOT NULL,
    model             text        NOT NULL,
    exact_key         text        NOT NULL,
    normalized_text   text        NOT NULL,
    embedding         vector(384) NOT NULL,
    last_embedding    vector(384) NOT NULL,
    context_embedding vector(384),
    response_json     bytea       NOT NULL,
    size_bytes        integer     NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    expires_at        timestamptz NOT NULL,
    UNIQUE (tenant_id, exact_key)
);

CREATE INDEX cache_semantic_entries_embedding_hnsw
    ON cache_semantic_entries USING hnsw (embedding vector_cosine_ops)
    WITH (m = 16, ef_construction = 64);
CREATE INDEX cache_semantic_entries_tenant_created
    ON cache_semantic_entries (tenant_id, created_at);
CREATE INDEX cache_semantic_entries_expires ON cache_semantic_entries (expires_at);
