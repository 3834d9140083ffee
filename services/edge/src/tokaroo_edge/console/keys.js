// Keys: create one with limits (its secret shown once), list them with their period spend,
// edit their controls, revoke them. Every change goes through the public /v1/keys API.
import { api, usd, when } from "./api.js";
import { busy, h, table, toast } from "./dom.js";

const PERIODS = [["month", "per month"], ["day", "per day"], ["total", "in total"]];

function field(id, label, input) {
  input.id = id;
  return h("label", { for: id }, label, input);
}

/** The controls form's fields; `key` fills them in for editing. */
function controls(prefix, key = {}) {
  const el = {
    name: h("input", { maxlength: 100, value: key.name || "", required: true, autocomplete: "off" }),
    budget: h("input", { type: "number", min: 0, step: "0.000000001", inputmode: "decimal",
                         value: key.budget_usd_exact ?? "", placeholder: "none" }),
    period: h("select", {}, PERIODS.map(([v, t]) => h("option", { value: v, selected: (key.budget_period || "month") === v }, t))),
    rpm: h("input", { type: "number", min: 0, step: 1, value: key.rpm ?? "", placeholder: "no limit" }),
    tpm: h("input", { type: "number", min: 0, step: 1, value: key.tpm ?? "", placeholder: "no limit" }),
    models: h("input", { value: (key.allowed_models || []).join(", "), placeholder: "every model value, or e.g. auto, fast" }),
    expires: h("input", { type: "datetime-local", value: key.expires_at ? localInput(key.expires_at) : "" }),
  };
  const fields = [
    field(`${prefix}-name`, "Name", el.name), field(`${prefix}-budget`, "Budget (USD)", el.budget),
    field(`${prefix}-period`, "Budget period", el.period), field(`${prefix}-rpm`, "Requests / minute", el.rpm),
    field(`${prefix}-tpm`, "Tokens / minute", el.tpm), field(`${prefix}-models`, "Allowed models (comma separated)", el.models),
    field(`${prefix}-expires`, "Expires (your local time)", el.expires)];
  const body = () => ({
    name: el.name.value.trim(),
    budget_usd: el.budget.value === "" ? null : el.budget.value,
    budget_period: el.period.value,
    rpm: el.rpm.value === "" ? null : Number(el.rpm.value),
    tpm: el.tpm.value === "" ? null : Number(el.tpm.value),
    allowed_models: splitModels(el.models.value),
    expires_at: el.expires.value ? new Date(el.expires.value).toISOString() : null,
  });
  return { fields, body, el };
}

export function splitModels(text) {
  const values = text.split(",").map((v) => v.trim()).filter(Boolean);
  return values.length ? values : null;
}

function localInput(iso) {
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export async function keys(main, rerender) {
  const list = await api("/keys");
  const errors = h("div");
  const created = h("div", { id: "created" });
  const form = controls("new", { name: "" });
  const button = h("button", { type: "submit" }, "Create key");
  const createForm = h("form", { class: "inline", id: "create-key", onsubmit: (ev) => {
    ev.preventDefault();
    busy(button, errors, async () => {
      const key = await api("/keys", { method: "POST", body: form.body() });
      createForm.reset();
      await rerender();
      showSecret(document.getElementById("created"), key);
    });
  } }, form.fields, button);
  main.append(h("h1", {}, "API keys"), errors, created,
    h("section", { class: "card" }, h("h2", {}, "New key"), createForm),
    h("section", { class: "card" }, h("h2", {}, "Your keys"), keyTable(list.data, errors, rerender)));
}

function showSecret(where, key) {
  const copy = h("button", { type: "button", class: "secondary", onclick: async () => {
    try { await navigator.clipboard.writeText(key.key); toast("Copied"); } catch { toast("Select the key and copy it"); }
  } }, "Copy");
  const done = h("button", { type: "button", onclick: () => where.replaceChildren() }, "I have saved it");
  where.replaceChildren(h("section", { class: "card secret", role: "region", "aria-labelledby": "secret-h" },
    h("h2", { id: "secret-h" }, `Key “${key.name}” created`),
    h("p", {}, "Copy the secret now: it is shown only this once."),
    h("p", {}, h("code", { id: "new-secret" }, key.key)), h("div", { class: "row" }, copy, done)));
  copy.focus();
}

function budgetCell(k) {
  if (k.budget_usd === null || k.budget_usd === undefined) return h("td", {}, h("span", { class: "muted" }, "none"));
  const used = k.budget_usd > 0 ? Math.min(1, k.spend_usd / k.budget_usd) : 1;
  const full = k.spend_usd >= k.budget_usd;
  const period = { day: "today", month: "this month", total: "in total" }[k.budget_period] || k.budget_period;
  return h("td", {},
    h("div", {}, `${usd(k.spend_usd_exact)} of ${usd(k.budget_usd_exact)} ${period}`),
    h("div", { class: full ? "meter full" : "meter", role: "meter", "aria-valuemin": 0, "aria-valuemax": 100,
               "aria-valuenow": Math.round(used * 100), "aria-label": "Budget used" },
      h("span", { style: { width: `${used * 100}%` } })),
    k.budget_resets_at ? h("div", { class: "muted" }, `resets ${when(k.budget_resets_at)}`) : null);
}

function status(k) {
  if (k.revoked) return h("span", { class: "badge bad" }, "revoked");
  if (k.expired) return h("span", { class: "badge bad" }, "expired");
  if (k.budget_usd !== null && k.budget_usd !== undefined) {
    if (k.spend_usd >= k.budget_usd) return h("span", { class: "badge bad" }, "budget reached");
    if (k.spend_usd >= 0.8 * k.budget_usd) return h("span", { class: "badge warn" }, "budget nearly used");
  }
  return h("span", { class: "badge ok" }, "active");
}

function keyTable(keys, errors, rerender) {
  const rows = [];
  for (const k of keys) {
    const edit = h("button", { type: "button", class: "secondary", "aria-expanded": "false",
                               "aria-label": `Edit ${k.name}`, disabled: k.revoked }, "Edit");
    const revoke = h("button", { type: "button", class: "danger", "aria-label": `Revoke ${k.name}`,
                                 disabled: k.revoked }, "Revoke");
    const row = h("tr", { "data-key-id": k.id },
      h("td", {}, h("strong", {}, k.name), h("div", { class: "mono muted" }, `${k.prefix}…`)), h("td", {}, status(k)),
      budgetCell(k),
      h("td", {}, `${k.rpm ?? "–"} rpm`, h("br"), `${k.tpm ?? "–"} tpm`),
      h("td", {}, (k.allowed_models || ["any"]).join(", ")),
      h("td", {}, when(k.expires_at)), h("td", {}, when(k.last_used_at)),
      h("td", {}, h("div", { class: "row" }, edit, revoke)));
    const editorRow = h("tr", { class: "editor", hidden: true });
    edit.addEventListener("click", () => {
      const open = editorRow.hidden;
      editorRow.hidden = !open;
      edit.setAttribute("aria-expanded", String(open));
      if (open) {
        const form = controls(`edit-${k.id}`, k);
        const save = h("button", { type: "submit" }, "Save");
        const cancel = h("button", { type: "button", class: "secondary", onclick: () => { editorRow.hidden = true; edit.focus(); } }, "Cancel");
        editorRow.replaceChildren(h("td", { colspan: 8 }, h("form", { class: "inline", onsubmit: (ev) => {
          ev.preventDefault();
          busy(save, errors, async () => {
            await api(`/keys/${encodeURIComponent(k.id)}`, { method: "PATCH", body: form.body() });
            toast(`Saved ${k.name}`);
            await rerender();
          });
        } }, form.fields, save, cancel)));
        form.el.name.focus();
      }
    });
    revoke.addEventListener("click", () => {
      if (!confirm(`Revoke the key “${k.name}”? Requests with it stop working at once.`)) return;
      busy(revoke, errors, async () => {
        await api(`/keys/${encodeURIComponent(k.id)}`, { method: "DELETE" });
        toast(`Revoked ${k.name}`);
        await rerender();
      });
    });
    rows.push(row, editorRow);
  }
  return table(["Key", "Status", "Budget", "Rate limits", "Models", "Expires", "Last used", "Actions"], rows, "API keys");
}
