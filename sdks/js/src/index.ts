/**
 * `tokaroo`: the client for Tokaroo, the OpenAI-compatible LLM gateway.
 *
 *   import { Tokaroo } from "tokaroo";
 *   const client = new Tokaroo({ apiKey: "tok_..." });
 *   const res = await client.chat.completions.create({ model: "auto", messages: [...] });
 *   res._tokaroo.cost; // USD charged (x-tokaroo-cost), res._tokaroo.cache: "hit" | "miss"
 */

export { Tokaroo, VERSION, DEFAULT_BASE_URL, retryAfterMs, retryDelayMs } from "./client.js";
export { ChatCompletionStream } from "./streaming.js";
export { ResponseStream } from "./responses.js";
export { MessageStream } from "./messages.js";
export type { ContentBlock, Message, MessageCountTokensParams, MessageCreateParams, MessageStreamEvent, MessageUsage } from "./messages.js";
export type { ResponseCreateParams, ResponseObject, ResponseOutputItem, ResponseStreamEvent, ResponseUsage } from "./responses.js";
export {
  TokarooError,
  APIError,
  BadRequestError,
  AuthenticationError,
  InsufficientBalanceError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
  RateLimitError,
  InternalServerError,
  APIConnectionError,
  APIConnectionTimeoutError,
  APIUserAbortError,
} from "./errors.js";
export type { ErrorBody } from "./errors.js";
export type * from "./types.js";
export { Tokaroo as default } from "./client.js";
