/** Request and response shapes of the Tokaroo API (OpenAI-compatible where OpenAI has one). */

/** What Tokaroo tells about one response, read from its headers (and, for streams, the usage chunk). */
export interface TokarooMeta {
  /** `x-tokaroo-cache`: `"hit"` or `"miss"` (null when the endpoint does not say). */
  cache: "hit" | "miss" | (string & {}) | null;
  /** `x-tokaroo-cost` as a number of USD (null when the endpoint does not charge or, for a
   * stream, until its final usage chunk arrived). */
  cost: number | null;
  /** The exact charged amount as a decimal string, e.g. `"0.000120280"`. */
  costExact: string | null;
  /** `x-request-id`: quote it when you contact support. */
  requestId: string | null;
  /** HTTP status of the response. */
  status: number;
  /** Every response header. */
  headers: Headers;
}

/** A value returned by the client carries its response metadata in a non-enumerable `_tokaroo`
 * property (so `JSON.stringify(res)` shows only the API's own fields). */
export type WithMeta<T> = T & { readonly _tokaroo: TokarooMeta };

// ---------------------------------------------------------------------------------------------
// Chat completions

export type Role = "system" | "developer" | "user" | "assistant" | "tool";

export interface TextContentPart {
  type: "text";
  text: string;
}

export interface ImageContentPart {
  type: "image_url";
  image_url: { url: string; detail?: "auto" | "low" | "high" };
}

export type ContentPart = TextContentPart | ImageContentPart | { type: string; [k: string]: unknown };

export interface ToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: Role;
  content: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [k: string]: unknown;
}

export interface FunctionTool {
  type: "function";
  function: {
    name: string;
    description?: string;
    parameters?: Record<string, unknown>;
    strict?: boolean;
  };
}

export type ToolChoice =
  | "none"
  | "auto"
  | "required"
  | { type: "function"; function: { name: string } };

/** `model`: `"auto"` (Tokaroo picks, value-first), `"fast"`, `"max"` or any model id. */
export type ModelName = "auto" | "fast" | "max" | (string & {});

export interface ChatCompletionCreateParams {
  model: ModelName;
  messages: ChatMessage[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  seed?: number | null;
  user?: string;
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  response_format?: { type: "text" | "json_object" | "json_schema"; [k: string]: unknown };
  stream?: boolean | null;
  stream_options?: { include_usage?: boolean } | null;
  /** Anything else the OpenAI API accepts is passed through. */
  [k: string]: unknown;
}

export interface ChatCompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** USD charged for the request, exact decimal string (a Tokaroo extension). */
  cost_usd?: string;
  prompt_tokens_details?: { cached_tokens?: number; [k: string]: unknown };
  completion_tokens_details?: Record<string, unknown>;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  /** Echoes what you asked (`auto`, `fast`, `max` or a model id): the answering model stays hidden. */
  model: string;
  choices: Array<{
    index: number;
    message: {
      role: "assistant";
      content: string | null;
      refusal?: string | null;
      tool_calls?: ToolCall[];
      [k: string]: unknown;
    };
    finish_reason: "stop" | "length" | "tool_calls" | "content_filter" | (string & {}) | null;
    logprobs?: unknown;
  }>;
  usage?: ChatCompletionUsage;
  system_fingerprint?: string | null;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  choices: Array<{
    index: number;
    delta: {
      role?: "assistant";
      content?: string | null;
      refusal?: string | null;
      tool_calls?: Array<{
        index: number;
        id?: string;
        type?: "function";
        function?: { name?: string; arguments?: string };
      }>;
    };
    finish_reason: ChatCompletion["choices"][number]["finish_reason"];
    logprobs?: unknown;
  }>;
  /** Only on the final chunk (with `stream_options.include_usage`), whose `choices` is empty. */
  usage?: ChatCompletionUsage | null;
}

// ---------------------------------------------------------------------------------------------
// Embeddings

export interface EmbeddingCreateParams {
  input: string | string[] | number[] | number[][];
  /** Optional: Tokaroo picks the default embedding route (`text-embedding-3-small`). */
  model?: string;
  encoding_format?: "float" | "base64";
  dimensions?: number;
  user?: string;
  [k: string]: unknown;
}

export interface Embedding<E = number[]> {
  object: "embedding";
  index: number;
  embedding: E;
}

export interface CreateEmbeddingResponse<E = number[]> {
  object: "list";
  data: Array<Embedding<E>>;
  model: string;
  usage: { prompt_tokens: number; total_tokens: number; cost_usd?: string };
}

// ---------------------------------------------------------------------------------------------
// Models, balance, usage, keys

export interface Model {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  description?: string;
  /** Reference retail prices in USD per million tokens (absent on the virtual models). */
  pricing?: { input_per_1m: number; output_per_1m: number };
}

export interface Balance {
  object?: "balance";
  /** USD as a JSON number. */
  balance_usd: number;
  /** The exact balance as a decimal string. */
  balance_usd_exact: string;
  currency?: string;
}

export interface UsageRecord {
  id: string;
  object?: "usage";
  tier: "instant" | "standard" | "complex" | (string & {});
  input_tokens: number;
  output_tokens: number;
  /** What you paid, USD. */
  charged_usd: number;
  latency_ms: number;
  cache?: string;
  status?: string;
  created_at: string;
  key_id?: string | null;
}

export interface UsageListParams {
  /** 1..100, default 50. */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
  /** Only this key's requests. */
  key_id?: string;
  tier?: "instant" | "standard" | "complex" | (string & {});
  cache?: "miss" | "exact" | "semantic";
  /** ISO 8601 times (or dates): `since` <= created_at < `until`. */
  since?: string;
  until?: string;
}

export interface UsageSummaryParams {
  /** Default: 30 days before `until`. */
  since?: string;
  /** Default: now. */
  until?: string;
  key_id?: string;
}

export interface UsageDay {
  /** YYYY-MM-DD, UTC. */
  date: string;
  requests: number;
  spend_usd: number;
  spend_usd_exact: string;
  /** What the same requests would have cost at the market baseline, and the difference. */
  baseline_usd: number;
  saved_usd: number;
  input_tokens: number;
  output_tokens: number;
  by_tier: Record<string, number>;
  /** Requests per cache outcome: miss, exact, semantic. */
  by_cache: Record<string, number>;
}

export interface UsageSummary {
  object?: "usage.summary";
  data: UsageDay[];
  requests: number;
  spend_usd: number;
  spend_usd_exact: string;
  baseline_usd: number;
  saved_usd: number;
  saved_usd_exact: string;
}

export interface UsagePage {
  object?: "list";
  data: UsageRecord[];
  has_more: boolean;
  next_cursor: string | null;
}

export interface ApiKey {
  id: string;
  object?: "api_key";
  name: string;
  /** The first characters of the key, to recognise it. */
  prefix: string;
  created_at: string;
  last_used_at?: string | null;
  revoked?: boolean;
  expires_at?: string | null;
  expired?: boolean;
  /** Requests / tokens per minute; null = no limit. */
  rpm?: number | null;
  tpm?: number | null;
  /** Model values this key may use (`auto`, `fast`, `max`, model ids); null = every one. */
  allowed_models?: string[] | null;
  /** Spend cap in USD for `budget_period`; null = no budget. */
  budget_usd?: number | null;
  budget_usd_exact?: string | null;
  budget_period?: "day" | "month" | "total";
  /** Settled spend of the current period, and when the period resets (null: never). */
  spend_usd?: number;
  spend_usd_exact?: string;
  budget_resets_at?: string | null;
}

/** Controls of a key: left out = unchanged (update) or none (create); null clears one. */
export interface KeyControls {
  /** USD, as a number or an exact decimal string. */
  budget_usd?: number | string | null;
  budget_period?: "day" | "month" | "total";
  rpm?: number | null;
  tpm?: number | null;
  allowed_models?: string[] | null;
  /** ISO 8601 time (or a Date). */
  expires_at?: string | Date | null;
}

export interface KeyCreateParams extends KeyControls {
  name?: string;
}

export interface KeyUpdateParams extends KeyControls {
  name?: string;
}

export interface CreatedApiKey extends ApiKey {
  /** The secret: shown only once, save it. */
  key: string;
}

export interface ApiKeyList {
  object?: "list";
  data: ApiKey[];
}

export interface RevokedApiKey {
  id: string;
  object?: "api_key";
  deleted: boolean;
  revoked: boolean;
}

// ---------------------------------------------------------------------------------------------
// Client options

export interface ClientOptions {
  /** Defaults to `process.env.TOKAROO_API_KEY`. */
  apiKey?: string;
  /** Defaults to `process.env.TOKAROO_BASE_URL`, then `https://api.tokaroo.com/v1`. */
  baseURL?: string;
  /** Retries of a 408/409/429/5xx answer or a connection failure (default 2). */
  maxRetries?: number;
  /** Milliseconds per attempt (default 600000). */
  timeout?: number;
  /** Headers sent with every request. */
  defaultHeaders?: Record<string, string>;
  /** A `fetch` implementation (default: the global one). */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  signal?: AbortSignal;
  timeout?: number;
  maxRetries?: number;
  headers?: Record<string, string>;
}
