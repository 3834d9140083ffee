// The public API from the browser: the API key lives only in sessionStorage, is sent as a
// Bearer token to this origin's /v1, and is dropped when the tab closes or on sign-out.
const STORE = "tokaroo.apiKey";

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `HTTP ${status}`);
    this.status = status;
    this.code = err.code || null;
    this.type = err.type || null;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(STORE); },
  set key(value) {
    if (value) sessionStorage.setItem(STORE, value);
    else sessionStorage.removeItem(STORE);
  },
};

/** Call `/v1{path}`: JSON in, JSON out; throws ApiError with the OpenAI error fields. */
export async function api(path, { method = "GET", body, query, key } = {}) {
  const url = new URL(`/v1${path}`, location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Authorization: `Bearer ${key || session.key}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body),
                                 credentials: "omit", cache: "no-store" });
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** USD for people: at least 2 decimals, up to 6 for small amounts (from exact strings too). */
export function usd(value) {
  const n = typeof value === "string" ? Number(value) : value;
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  const digits = Math.abs(Math.round(n * 100) - n * 100) < 1e-6 ? 2 : 6; // never round cents away
  return `$${n.toFixed(digits)}`;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function when(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
