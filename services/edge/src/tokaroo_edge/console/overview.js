// Overview: the balance, adding credits through Stripe Checkout (or, where billing is not
// configured, how to add test credit), this month's spend and savings; and the pages Stripe
// returns to, which wait for the webhook's credit to show in the balance.
import { api, plural, usd } from "./api.js";
import { busy, h } from "./dom.js";

const BEFORE = "tokaroo.balanceBefore";
const POLL_MS = 2000, POLL_LIMIT_MS = 180_000;

export async function overview(main) {
  const [balance, billing, summary] = await Promise.all([
    api("/balance"), api("/billing/config"),
    api("/usage/summary", { query: { since: monthStart() } })]);
  const errors = h("div");
  main.append(h("h1", {}, "Overview"), errors,
    h("div", { class: "grid" },
      h("section", { class: "card", "aria-labelledby": "bal-h" },
        h("h2", { id: "bal-h" }, "Balance"),
        h("p", { class: "big", id: "balance", "data-exact": balance.balance_usd_exact }, usd(balance.balance_usd_exact))),
      h("section", { class: "card" }, h("h2", {}, "This month"),
        h("p", { class: "big" }, usd(summary.spend_usd_exact)),
        h("p", { class: "muted" }, `${plural(summary.requests, "request")} · saved ${usd(summary.saved_usd)} against the market price`))),
    credits(balance, billing, errors));
}

function credits(balance, billing, errors) {
  if (!billing.configured) {
    return h("section", { class: "card", id: "billing" }, h("h2", {}, "Add credits"),
      h("div", { class: "note" },
        h("p", {}, "Billing is not configured on this server (no Stripe key), so credits cannot be bought here."),
        h("p", {}, "For local development, add test credit with the admin command:"),
        h("pre", {}, h("code", {}, `uv run tokaroo admin credit ${balance.tenant_id} --usd 10 --reason "test credit"`))));
  }
  const amount = h("input", { id: "amount", type: "number", min: billing.min_usd, max: billing.max_usd,
                              step: "0.01", value: Math.max(10, billing.min_usd), required: true });
  const button = h("button", { type: "submit" }, "Add credits");
  const form = h("form", { class: "inline", onsubmit: (ev) => {
    ev.preventDefault();
    busy(button, errors, async () => {
      const session = await api("/billing/checkout", { method: "POST", body: { amount_usd: amount.value } });
      sessionStorage.setItem(BEFORE, balance.balance_usd_exact);
      location.assign(session.url);
    });
  } }, h("label", { for: "amount" }, `Amount in USD (${billing.min_usd} to ${billing.max_usd})`, amount), button);
  return h("section", { class: "card", id: "billing" }, h("h2", {}, "Add credits"),
    h("p", { class: "muted" }, "You pay on Stripe's secure page and return here."), form);
}

/** Stripe's success page: poll the balance until the webhook's credit shows (bounded). */
export async function checkoutSuccess(main) {
  const before = sessionStorage.getItem(BEFORE);
  const status = h("p", { role: "status", id: "credit-status" }, "Payment received. Waiting for the credit to arrive…");
  const shown = h("p", { class: "big", id: "balance" }, "…");
  main.append(h("h1", {}, "Thank you"), h("section", { class: "card" }, status, shown),
    h("p", {}, h("a", { href: "/console#overview" }, "Back to the overview")));
  const deadline = Date.now() + POLL_LIMIT_MS;
  for (;;) {
    const balance = await api("/balance");
    shown.textContent = usd(balance.balance_usd_exact);
    const credited = before !== null ? Number(balance.balance_usd_exact) - Number(before) : 0;
    if (credited > 0) {
      sessionStorage.removeItem(BEFORE);
      status.textContent = `Credit added: ${usd(credited)}. Your balance is ${usd(balance.balance_usd_exact)}.`;
      return;
    }
    if (before === null || Date.now() > deadline) {
      status.textContent = "Your payment is being processed; the credit appears in your balance once Stripe confirms it.";
      return;
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

export async function checkoutCancel(main) {
  sessionStorage.removeItem(BEFORE);
  main.append(h("h1", {}, "Checkout cancelled"),
    h("section", { class: "card" }, h("p", {}, "No payment was made and your balance is unchanged."),
      h("p", {}, h("a", { href: "/console#overview" }, "Back to the overview"))));
}

export function monthStart() {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
}

