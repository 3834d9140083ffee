/** The Tokaroo client: `new Tokaroo({ apiKey, baseURL })`. */

import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  TokarooError,
  type ErrorBody,
} from "./errors.js";
import { metaFromHeaders, withMeta } from "./meta.js";
import { Messages } from "./messages.js";
import { Responses } from "./responses.js";
import { ChatCompletionStream } from "./streaming.js";
import type {
  ApiKeyList,
  Balance,
  ChatCompletion,
  ChatCompletionCreateParams,
  ClientOptions,
  CreateEmbeddingResponse,
  CreatedApiKey,
  EmbeddingCreateParams,
  RequestOptions,
  RevokedApiKey,
  UsageListParams,
  UsagePage,
  UsageSummary,
  UsageSummaryParams,
  ApiKey,
  KeyCreateParams,
  KeyUpdateParams,
  WithMeta,
} from "./types.js";

export const VERSION = "0.1.0";
export const DEFAULT_BASE_URL = "https://api.tokaroo.com/v1";
const DEFAULT_TIMEOUT_MS = 600_000;
const DEFAULT_MAX_RETRIES = 2;
const MAX_RETRY_AFTER_MS = 60_000;

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

interface CallOptions extends RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  /** Keep the body unread (streams): the timeout then covers the time to the headers only. */
  stream?: boolean;
  /** The abort controller that owns the request (streams pass theirs). */
  controller?: AbortController;
}

function env(name: string): string | undefined {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  const value = proc?.env?.[name];
  return value ? value : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Milliseconds the server asked us to wait (`retry-after-ms`, `retry-after` in seconds or as
 * an HTTP date), or null. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return null;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(ra);
  return Number.isFinite(date) ? Math.max(0, date - now) : null;
}

/** The wait before retry number `attempt` (0-based): the server's word when it gave a sane one,
 * else exponential backoff from 0.5 s up to 8 s with jitter. */
export function retryDelayMs(attempt: number, headers: Headers | null): number {
  const asked = headers ? retryAfterMs(headers) : null;
  if (asked !== null && asked <= MAX_RETRY_AFTER_MS) return asked;
  const base = Math.min(500 * 2 ** attempt, 8000);
  return base * (1 - Math.random() * 0.25);
}

function shouldRetry(res: Response): boolean {
  const header = res.headers.get("x-should-retry");
  if (header === "true") return true;
  if (header === "false") return false;
  return res.status === 408 || res.status === 409 || res.status === 429 || res.status >= 500;
}

async function readError(res: Response): Promise<ErrorBody | string | undefined> {
  const text = await res.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: ErrorBody | string } & ErrorBody;
    if (parsed && typeof parsed === "object") {
      if (parsed.error !== undefined) {
        return typeof parsed.error === "string" ? { message: parsed.error } : parsed.error;
      }
      return parsed;
    }
  } catch {
    // not JSON
  }
  return text || undefined;
}

export class Tokaroo {
  readonly apiKey: string;
  readonly baseURL: string;
  readonly maxRetries: number;
  readonly timeout: number;
  private readonly defaultHeaders: Record<string, string>;
  private readonly fetchImpl: typeof fetch;

  readonly chat: { completions: ChatCompletions };
  readonly embeddings: Embeddings;
  readonly balance: BalanceResource;
  readonly usage: Usage;
  readonly keys: Keys;
  readonly responses: Responses;
  readonly messages: Messages;

  constructor(options: ClientOptions = {}) {
    const apiKey = options.apiKey ?? env("TOKAROO_API_KEY");
    if (!apiKey) {
      throw new TokarooError(
        "No API key: pass `new Tokaroo({ apiKey })` or set the TOKAROO_API_KEY environment variable.",
      );
    }
    this.apiKey = apiKey;
    this.baseURL = normalizeBaseURL(options.baseURL ?? env("TOKAROO_BASE_URL") ?? DEFAULT_BASE_URL);
    this.maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.defaultHeaders = { ...(options.defaultHeaders ?? {}) };
    const f = options.fetch ?? (globalThis.fetch as typeof fetch | undefined);
    if (!f) throw new TokarooError("No global fetch: use Node >= 20 or pass `fetch` in the options.");
    this.fetchImpl = f;

    this.chat = { completions: new ChatCompletions(this) };
    this.embeddings = new Embeddings(this);
    this.balance = new BalanceResource(this);
    this.usage = new Usage(this);
    this.keys = new Keys(this);
    this.responses = new Responses(this);
    this.messages = new Messages(this);
  }

  /**
   * A raw call: `await client._fetch("GET", "/v1/models")`. A path starting with `/v1` is
   * resolved against the API origin, any other relative path against `baseURL`; an absolute URL
   * is used as is. Returns the parsed JSON body (with `_tokaroo` metadata attached), the text of
   * a non-JSON body, or null for an empty one. Errors throw `APIError`s, as everywhere.
   */
  async _fetch<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const res = await this.request(method.toUpperCase() as Method, path, { ...options, body });
    return (await this.parse(res)) as T;
  }

  /** The full URL of `path` (see `_fetch`). */
  buildURL(path: string, query?: CallOptions["query"]): string {
    let url: string;
    if (/^https?:\/\//i.test(path)) {
      url = path;
    } else {
      const p = path.startsWith("/") ? path : `/${path}`;
      let base = this.baseURL;
      if (base.endsWith("/v1") && /^\/v1(\/|\?|$)/.test(p)) base = base.slice(0, -3);
      url = base + p;
    }
    if (query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null) params.set(k, String(v));
      const qs = params.toString();
      if (qs) url += (url.includes("?") ? "&" : "?") + qs;
    }
    return url;
  }

  /** @internal Parses a successful response and attaches its metadata. */
  async parse(res: Response): Promise<unknown> {
    const meta = metaFromHeaders(res);
    const text = await res.text();
    if (!text) return null;
    const type = res.headers.get("content-type") ?? "";
    if (type.includes("json") || /^\s*[[{]/.test(text)) {
      try {
        return withMeta(JSON.parse(text), meta);
      } catch {
        // fall through: return the text
      }
    }
    return text;
  }

  /** @internal Sends a request with retries; returns the successful response, body unread. */
  async request(method: Method, path: string, opts: CallOptions = {}): Promise<Response> {
    const url = this.buildURL(path, opts.query);
    const maxRetries = opts.maxRetries ?? this.maxRetries;
    const timeout = opts.timeout ?? this.timeout;
    const headers: Record<string, string> = {
      Accept: opts.stream ? "text/event-stream" : "application/json",
      "User-Agent": `tokaroo-js/${VERSION}`,
      ...this.defaultHeaders,
      Authorization: `Bearer ${this.apiKey}`,
      ...(opts.headers ?? {}),
    };
    let payload: string | undefined;
    if (opts.body !== undefined && method !== "GET") {
      payload = JSON.stringify(opts.body);
      headers["Content-Type"] = "application/json";
    }

    // `outer` stands for the caller's cancellation (their signal, or a stream's abort());
    // each attempt has its own controller, also aborted by its timeout.
    const outer = opts.controller ?? new AbortController();
    const onUserAbort = () => outer.abort();
    if (opts.signal?.aborted) throw new APIUserAbortError();
    opts.signal?.addEventListener("abort", onUserAbort, { once: true });
    const release = () => opts.signal?.removeEventListener("abort", onUserAbort);

    for (let attempt = 0; ; attempt++) {
      const controller = new AbortController();
      const onOuter = () => controller.abort();
      outer.signal.addEventListener("abort", onOuter, { once: true });
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        outer.signal.removeEventListener("abort", onOuter);
        release();
      };
      let res: Response;
      try {
        if (outer.signal.aborted) throw new APIUserAbortError();
        res = await this.fetchImpl(url, { method, headers, body: payload, signal: controller.signal });
      } catch (err) {
        clearTimeout(timer);
        outer.signal.removeEventListener("abort", onOuter);
        if (outer.signal.aborted) {
          release();
          throw new APIUserAbortError();
        }
        if (attempt < maxRetries) {
          await sleep(retryDelayMs(attempt, null));
          continue;
        }
        release();
        if (timedOut) throw new APIConnectionTimeoutError();
        throw new APIConnectionError(`Connection error: ${(err as Error)?.message ?? err}`, { cause: err });
      }

      if (!res.ok) {
        clearTimeout(timer);
        outer.signal.removeEventListener("abort", onOuter);
        if (attempt < maxRetries && shouldRetry(res)) {
          await res.body?.cancel().catch(() => undefined);
          await sleep(retryDelayMs(attempt, res.headers));
          continue;
        }
        release();
        throw APIError.from(res.status, await readError(res), res.headers);
      }

      if (opts.stream) {
        // The stream body has no overall timeout; the caller's signal / abort() still apply.
        clearTimeout(timer);
        return res;
      }
      // Non-streamed bodies are read under the same timeout: buffer them here.
      try {
        const buf = await res.arrayBuffer();
        return new Response(buf, { status: res.status, statusText: res.statusText, headers: res.headers });
      } catch (err) {
        if (outer.signal.aborted) throw new APIUserAbortError();
        if (timedOut) throw new APIConnectionTimeoutError();
        throw new APIConnectionError(`Connection error: ${(err as Error)?.message ?? err}`, { cause: err });
      } finally {
        done();
      }
    }
  }

  /** @internal */
  async call<T>(method: Method, path: string, opts: CallOptions = {}): Promise<WithMeta<T>> {
    const res = await this.request(method, path, opts);
    return (await this.parse(res)) as WithMeta<T>;
  }
}

function normalizeBaseURL(raw: string): string {
  const trimmed = raw.replace(/\/+$/, "");
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new TokarooError(`Invalid baseURL: ${raw}`);
  }
  // "https://api.tokaroo.com" (the bare origin) means its /v1 API.
  if (url.pathname === "/" || url.pathname === "") return `${trimmed}/v1`;
  return trimmed;
}

class ChatCompletions {
  constructor(private readonly client: Tokaroo) {}

  /** A chat completion. With `stream: true` it resolves to a `ChatCompletionStream` once the
   * response headers arrived (errors like 401/402 reject here); prefer `stream()` for streams. */
  create(params: ChatCompletionCreateParams & { stream: true }, options?: RequestOptions): Promise<ChatCompletionStream>;
  create(params: ChatCompletionCreateParams & { stream?: false | null }, options?: RequestOptions): Promise<WithMeta<ChatCompletion>>;
  create(params: ChatCompletionCreateParams, options?: RequestOptions): Promise<WithMeta<ChatCompletion> | ChatCompletionStream>;
  async create(
    params: ChatCompletionCreateParams,
    options: RequestOptions = {},
  ): Promise<WithMeta<ChatCompletion> | ChatCompletionStream> {
    if (params.stream) return this.openStream(params, options, true)._ready();
    return this.client.call<ChatCompletion>("POST", "/chat/completions", { ...options, body: params });
  }

  /**
   * A streamed chat completion, iterated with `for await (const chunk of client.chat.completions.stream({...}))`.
   * Usage is asked for (`stream_options.include_usage`) unless you pass `stream_options`: the last
   * chunk then has empty `choices` and the `usage` with `cost_usd`.
   */
  stream(params: ChatCompletionCreateParams, options: RequestOptions = {}): ChatCompletionStream {
    return this.openStream(params, options, false);
  }

  private openStream(params: ChatCompletionCreateParams, options: RequestOptions, eager: boolean): ChatCompletionStream {
    const body = {
      ...params,
      stream: true,
      stream_options: params.stream_options ?? { include_usage: true },
    };
    const controller = new AbortController();
    return new ChatCompletionStream(
      () => this.client.request("POST", "/chat/completions", { ...options, body, stream: true, controller }),
      controller,
      eager,
    );
  }
}

class Embeddings {
  constructor(private readonly client: Tokaroo) {}

  /** Embeddings of `input`; `embedding` is a `number[]` (a base64 string of little-endian
   * float32 when you ask `encoding_format: "base64"`). */
  create(params: EmbeddingCreateParams & { encoding_format: "base64" }, options?: RequestOptions): Promise<WithMeta<CreateEmbeddingResponse<string>>>;
  create(params: EmbeddingCreateParams & { encoding_format?: "float" }, options?: RequestOptions): Promise<WithMeta<CreateEmbeddingResponse>>;
  create(params: EmbeddingCreateParams, options: RequestOptions = {}): Promise<WithMeta<CreateEmbeddingResponse<number[] | string>>> {
    return this.client.call("POST", "/embeddings", { ...options, body: params });
  }
}

class BalanceResource {
  constructor(private readonly client: Tokaroo) {}

  /** `{ balance_usd, balance_usd_exact }`. */
  get(options: RequestOptions = {}): Promise<WithMeta<Balance>> {
    return this.client.call<Balance>("GET", "/balance", options);
  }
}

class Usage {
  constructor(private readonly client: Tokaroo) {}

  /** One page of per-request usage, newest first: `{ data, has_more, next_cursor }`. */
  list(params: UsageListParams = {}, options: RequestOptions = {}): Promise<WithMeta<UsagePage>> {
    return this.client.call<UsagePage>("GET", "/usage", {
      ...options,
      query: {
        limit: params.limit, cursor: params.cursor, key_id: params.key_id, tier: params.tier,
        cache: params.cache, since: params.since, until: params.until,
      },
    });
  }

  /** Per-day totals: spend, requests by tier and by cache outcome, savings vs the market. */
  summary(params: UsageSummaryParams = {}, options: RequestOptions = {}): Promise<WithMeta<UsageSummary>> {
    return this.client.call<UsageSummary>("GET", "/usage/summary", {
      ...options,
      query: { since: params.since, until: params.until, key_id: params.key_id },
    });
  }

  /** Every usage record, newest first, following `next_cursor` page after page. */
  async *iterate(params: UsageListParams = {}, options: RequestOptions = {}): AsyncGenerator<UsagePage["data"][number]> {
    let cursor = params.cursor;
    for (;;) {
      const page = await this.list({ ...params, cursor }, options);
      yield* page.data;
      if (!page.has_more || !page.next_cursor) return;
      cursor = page.next_cursor;
    }
  }
}

class Keys {
  constructor(private readonly client: Tokaroo) {}

  /**
   * A new API key; its secret `key` is returned only this once. Pass a name, or the name and
   * controls: `{ name, budget_usd, budget_period, rpm, tpm, allowed_models, expires_at }`.
   */
  create(params: string | KeyCreateParams = {}, options: RequestOptions = {}): Promise<WithMeta<CreatedApiKey>> {
    const body = typeof params === "string" ? { name: params } : keyBody(params);
    return this.client.call<CreatedApiKey>("POST", "/keys", { ...options, body });
  }

  /** Changes some controls of a key: those left out stay, `null` clears one. */
  update(id: string, params: KeyUpdateParams, options: RequestOptions = {}): Promise<WithMeta<ApiKey>> {
    return this.client.call<ApiKey>("PATCH", `/keys/${encodeURIComponent(id)}`, {
      ...options, body: keyBody(params),
    });
  }

  /** The tenant's keys (no secrets). */
  list(options: RequestOptions = {}): Promise<WithMeta<ApiKeyList>> {
    return this.client.call<ApiKeyList>("GET", "/keys", options);
  }

  /** Revokes the key with this id. */
  revoke(id: string, options: RequestOptions = {}): Promise<WithMeta<RevokedApiKey>> {
    return this.client.call<RevokedApiKey>("DELETE", `/keys/${encodeURIComponent(id)}`, options);
  }
}

/** The JSON body of a key's controls: what was given, dates as ISO strings. */
export function keyBody(params: KeyCreateParams | KeyUpdateParams): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(params)) {
    if (value === undefined) continue;
    body[field] = value instanceof Date ? value.toISOString() : value;
  }
  return body;
}

export type { ChatCompletions, Embeddings, BalanceResource, Usage, Keys };
