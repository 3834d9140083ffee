/**
 * The Responses API: `client.responses.create / stream / retrieve / delete`.
 *
 *   const res = await client.responses.create({ model: "auto", input: "Hello!" });
 *   res.output_text; res._tokaroo.cost;
 *   const stream = client.responses.stream({ model: "auto", input: "Tell me a story" });
 *   for await (const event of stream) if (event.type === "response.output_text.delta") process.stdout.write(event.delta);
 *   stream.response?.usage?.cost_usd; // the final response (response.completed)
 */

import { APIError, APIConnectionError, APIUserAbortError } from "./errors.js";
import { metaFromHeaders } from "./meta.js";
import { sseData } from "./streaming.js";
import type { RequestOptions, TokarooMeta, WithMeta } from "./types.js";

/** What `client.call` and `client.request` offer this module (the Tokaroo client). */
interface Transport {
  call<T>(method: "GET" | "POST" | "DELETE", path: string, opts?: object): Promise<WithMeta<T>>;
  request(method: "GET" | "POST" | "DELETE", path: string, opts?: object): Promise<Response>;
}

export interface ResponseCreateParams {
  model: string;
  input?: string | Array<Record<string, unknown>>;
  instructions?: string | null;
  previous_response_id?: string | null;
  tools?: Array<Record<string, unknown>>;
  tool_choice?: string | Record<string, unknown>;
  text?: { format?: Record<string, unknown> };
  max_output_tokens?: number | null;
  store?: boolean;
  stream?: boolean;
  [key: string]: unknown;
}

export interface ResponseOutputItem {
  type: "message" | "function_call" | (string & {});
  id: string;
  [key: string]: unknown;
}

export interface ResponseUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** USD charged, exact decimal string (a Tokaroo extension). */
  cost_usd?: string;
  [key: string]: unknown;
}

export interface ResponseObject {
  id: string;
  object: "response";
  status: string;
  /** Echoes what you asked (auto, fast, max or a model id): the answering model stays hidden. */
  model: string;
  output: ResponseOutputItem[];
  usage: ResponseUsage | null;
  /** Added by this SDK: the text of every output message, joined. */
  output_text: string;
  [key: string]: unknown;
}

export interface ResponseStreamEvent {
  type: string;
  sequence_number: number;
  [key: string]: any;
}

function withOutputText<T extends { output?: ResponseOutputItem[] }>(res: T): T & { output_text: string } {
  const text = (res.output ?? [])
    .filter((item) => item.type === "message")
    .flatMap((item) => (item.content as Array<{ type: string; text?: string }>) ?? [])
    .filter((part) => part.type === "output_text")
    .map((part) => part.text ?? "")
    .join("");
  return Object.assign(res, { output_text: text });
}

/** A streamed response: iterate it once with `for await`; `response` is the final one. */
export class ResponseStream implements AsyncIterable<ResponseStreamEvent> {
  _tokaroo: TokarooMeta | null = null;
  response: ResponseObject | null = null;
  private started = false;

  /** @internal */
  constructor(
    private readonly start: () => Promise<Response>,
    private readonly controller: AbortController,
  ) {}

  abort(): void {
    this.controller.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ResponseStreamEvent> {
    if (this.started) throw new Error("A ResponseStream can be iterated only once.");
    this.started = true;
    const res = await this.start();
    this._tokaroo = metaFromHeaders(res);
    if (!res.body) return;
    let finished = false;
    try {
      for await (const data of sseData(res.body)) {
        let event: ResponseStreamEvent;
        try {
          event = JSON.parse(data) as ResponseStreamEvent;
        } catch {
          throw new APIConnectionError(`Could not parse a stream event: ${data.slice(0, 200)}`);
        }
        if (event.type === "error") throw APIError.from(res.status, event as never, res.headers);
        if (["response.completed", "response.incomplete", "response.failed"].includes(event.type)) {
          this.response = withOutputText(event.response as ResponseObject);
          const exact = this.response.usage?.cost_usd ?? null;
          if (exact !== null) {
            this._tokaroo.costExact = String(exact);
            this._tokaroo.cost = Number(exact);
          }
        }
        yield event;
      }
      finished = true;
    } catch (err) {
      if (this.controller.signal.aborted) throw new APIUserAbortError();
      if (err instanceof APIError || err instanceof APIConnectionError) throw err;
      throw new APIConnectionError("The response stream broke.", { cause: err });
    } finally {
      if (!finished) this.controller.abort();
    }
  }

  /** Reads the rest of the stream; the final response. */
  async finalResponse(): Promise<ResponseObject> {
    for await (const _event of this) {
      // read to the end
    }
    if (!this.response) throw new APIConnectionError("The stream ended without a final response.");
    return this.response;
  }
}

export class Responses {
  constructor(private readonly client: Transport) {}

  /** A response (OpenAI Responses API parameters: input, instructions, tools, text, previous_response_id, store...). */
  async create(params: ResponseCreateParams, options: RequestOptions = {}): Promise<WithMeta<ResponseObject>> {
    const res = await this.client.call<ResponseObject>("POST", "/responses", { ...options, body: { ...params, stream: false } });
    return withOutputText(res);
  }

  /** A streamed response, iterated with `for await (const event of client.responses.stream({...}))`. */
  stream(params: ResponseCreateParams, options: RequestOptions = {}): ResponseStream {
    const controller = new AbortController();
    const body = { ...params, stream: true };
    return new ResponseStream(
      () => this.client.request("POST", "/responses", { ...options, body, stream: true, controller }),
      controller,
    );
  }

  /** A stored response (`store`, the default); NotFoundError for an unknown id. */
  async retrieve(id: string, options: RequestOptions = {}): Promise<WithMeta<ResponseObject>> {
    return withOutputText(await this.client.call<ResponseObject>("GET", `/responses/${encodeURIComponent(id)}`, options));
  }

  async delete(id: string, options: RequestOptions = {}): Promise<void> {
    await this.client.call("DELETE", `/responses/${encodeURIComponent(id)}`, options);
  }
}
