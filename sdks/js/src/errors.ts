/** Errors: every failed API call raises an `APIError` subclass carrying OpenAI's error fields. */

/** The base of everything this package throws. */
export class TokarooError extends Error {
  override name = "TokarooError";
}

export interface ErrorBody {
  message?: string;
  type?: string | null;
  param?: string | null;
  code?: string | null;
  [k: string]: unknown;
}

/** The API answered with an error status. `type`, `code`, `param` and `message` come from the
 * OpenAI-shaped body `{"error": {message, type, param, code}}`. */
export class APIError extends TokarooError {
  override name = "APIError";
  readonly status: number;
  readonly type: string | null;
  readonly code: string | null;
  readonly param: string | null;
  readonly requestId: string | null;
  readonly headers: Headers;
  /** The parsed `error` object of the body (or the raw text when it was not JSON). */
  readonly error: ErrorBody | string | undefined;

  constructor(status: number, error: ErrorBody | string | undefined, headers: Headers) {
    const body = typeof error === "object" && error !== null ? error : undefined;
    const message = body?.message ?? (typeof error === "string" && error ? error : `HTTP ${status}`);
    super(message);
    this.status = status;
    this.type = body?.type ?? null;
    this.code = body?.code ?? null;
    this.param = body?.param ?? null;
    this.headers = headers;
    this.requestId = headers.get("x-request-id");
    this.error = error;
  }

  static from(status: number, error: ErrorBody | string | undefined, headers: Headers): APIError {
    const cls = STATUS_CLASSES[status] ?? (status >= 500 ? InternalServerError : APIError);
    return new cls(status, error, headers);
  }
}

export class BadRequestError extends APIError {
  override name = "BadRequestError";
}
export class AuthenticationError extends APIError {
  override name = "AuthenticationError";
}
/** 402: the balance cannot cover the request (`code: "insufficient_balance"`). */
export class InsufficientBalanceError extends APIError {
  override name = "InsufficientBalanceError";
}
export class PermissionDeniedError extends APIError {
  override name = "PermissionDeniedError";
}
export class NotFoundError extends APIError {
  override name = "NotFoundError";
}
export class ConflictError extends APIError {
  override name = "ConflictError";
}
export class UnprocessableEntityError extends APIError {
  override name = "UnprocessableEntityError";
}
export class RateLimitError extends APIError {
  override name = "RateLimitError";
}
export class InternalServerError extends APIError {
  override name = "InternalServerError";
}

const STATUS_CLASSES: Record<number, new (s: number, e: ErrorBody | string | undefined, h: Headers) => APIError> = {
  400: BadRequestError,
  401: AuthenticationError,
  402: InsufficientBalanceError,
  403: PermissionDeniedError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
  429: RateLimitError,
};

/** No answer: the connection failed or broke (after the retries). */
export class APIConnectionError extends TokarooError {
  override name = "APIConnectionError";
  constructor(message = "Connection error.", options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** No answer within the timeout (after the retries). */
export class APIConnectionTimeoutError extends APIConnectionError {
  override name = "APIConnectionTimeoutError";
  constructor(message = "Request timed out.") {
    super(message);
  }
}

/** The caller aborted the request through its `signal`. */
export class APIUserAbortError extends TokarooError {
  override name = "APIUserAbortError";
  constructor(message = "Request was aborted.") {
    super(message);
  }
}
