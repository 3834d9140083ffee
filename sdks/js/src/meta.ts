import type { TokarooMeta } from "./types.js";

/** The Tokaroo response headers of `res`. */
export function metaFromHeaders(res: Response): TokarooMeta {
  const h = res.headers;
  const costExact = h.get("x-tokaroo-cost");
  return {
    cache: h.get("x-tokaroo-cache"),
    cost: costExact === null ? null : Number(costExact),
    costExact,
    requestId: h.get("x-request-id"),
    status: res.status,
    headers: h,
  };
}

/** Attaches `meta` to `value` as the non-enumerable `_tokaroo` property. */
export function withMeta<T>(value: T, meta: TokarooMeta): T & { readonly _tokaroo: TokarooMeta } {
  if (value !== null && typeof value === "object") {
    Object.defineProperty(value, "_tokaroo", {
      value: meta,
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
  return value as T & { readonly _tokaroo: TokarooMeta };
}
