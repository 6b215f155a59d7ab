// The op table: every op with its tensors and options, whether the chosen target's delegate accepts it
// (with the delegate's reasons and what the fix panel does about it), a filter and sortable columns.
import { byId, clear, el } from "./dom.js";
import type { InspectReport, OperatorReport, TargetReport, TensorRef } from "./report.js";

function tensorLabel(t: TensorRef): string {
  return `${t.type.toLowerCase()}[${t.shape.join(",")}]`;
}

function optionsText(options: Record<string, unknown>): string {
  return Object.entries(options)
    .filter(([k]) => k !== "type")
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}

function row(sgIndex: number, multi: boolean, op: OperatorReport): HTMLTableRowElement {
  const ins = op.inputs.filter((t): t is TensorRef => t !== null && !t.const);
  const names = [...ins, ...op.outputs].map((t) => t.name).join(" ");
  return el(
    "tr",
    { "data-op": op.op, "data-index": String(op.index), "data-subgraph": String(sgIndex), "data-names": names },
    el("td", { class: "num" }, multi ? `${sgIndex}:${op.index}` : String(op.index)),
    el("td", { class: "op" }, op.op),
    el("td", { class: "num" }, String(op.version)),
    el("td", {}, el("code", {}, ins.map(tensorLabel).join(", "))),
    el("td", {}, el("code", {}, op.outputs.map(tensorLabel).join(", "))),
    el("td", { class: "opts" }, optionsText(op.options)),
    el("td", { class: "nnapi" }, ""),
  );
}

export function renderOps(r: InspectReport): void {
  const body = byId("op-table").querySelector("tbody");
  if (!body) return;
  clear(body);
  const multi = r.subgraphs.length > 1;
  const rows = r.subgraphs.flatMap((sg) => sg.operators.map((op) => row(sg.index, multi, op)));
  body.append(...rows);
  byId("op-count").textContent = `(${rows.length})`;
  byId("ops").hidden = false;
  applyFilter();
}

const DELEGATE_HEADS = { nnapi: "NNAPI", gpu: "GPU", "litert-gpu": "LiteRT GPU" } as const;

/** Marks each op of the primary subgraph as accepted or refused by the chosen target. */
export function markOps(a: TargetReport | undefined, cures: Map<number, string>): void {
  const refused = new Map((a?.refused ?? []).map((r) => [r.index, r.reasons] as const));
  if (a) byId("op-delegate-head").textContent = DELEGATE_HEADS[a.delegate];
  const fp16 = a?.delegate === "nnapi" ? a.fp16_weights : undefined;
  const fp16OnCpu = new Set(fp16 && !fp16.delegated ? fp16.dequantize_nodes : []);
  for (const r of byId("op-table").querySelectorAll<HTMLTableRowElement>("tbody tr[data-subgraph='0']")) {
    const cell = r.querySelector("td.nnapi");
    const i = Number(r.dataset.index);
    if (!cell) continue;
    const reasons = refused.get(i);
    clear(cell);
    cell.className = reasons ? "nnapi nnapi-no" : "nnapi nnapi-yes";
    r.dataset.refused = reasons ? "true" : "false";
    if (!reasons) {
      cell.textContent = fp16OnCpu.has(i) ? "stays on the CPU (fp16 weights: see Refused ops)" : "accepted";
      continue;
    }
    cell.append(reasons.join(" "));
    const cure = cures.get(i);
    if (cure) cell.append(el("div", { class: "cure" }, cure));
  }
  applyFilter();
}

function applyFilter(): void {
  const text = byId<HTMLInputElement>("op-filter").value.trim().toLowerCase();
  const refusedOnly = byId<HTMLInputElement>("refused-only").checked;
  let shown = 0;
  for (const r of byId("op-table").querySelectorAll<HTMLTableRowElement>("tbody tr")) {
    const haystack = `${r.dataset.op ?? ""} ${r.dataset.names ?? ""}`.toLowerCase();
    const visible = (!text || haystack.includes(text)) && (!refusedOnly || r.dataset.refused === "true");
    r.hidden = !visible;
    if (visible) shown++;
  }
  byId("op-shown").textContent = shown === byId("op-table").querySelectorAll("tbody tr").length ? "" : `${shown} shown`;
}

function sortBy(column: number, numeric: boolean, th: HTMLTableCellElement): void {
  const body = byId("op-table").querySelector("tbody");
  if (!body) return;
  const ascending = th.getAttribute("aria-sort") !== "ascending";
  for (const h of byId("op-table").querySelectorAll("th")) h.removeAttribute("aria-sort");
  th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  const key = (r: HTMLTableRowElement) => r.cells[column]?.textContent ?? "";
  const rows = [...body.querySelectorAll<HTMLTableRowElement>("tr")];
  rows.sort((a, b) => {
    const c = numeric ? Number(key(a).split(":").pop()) - Number(key(b).split(":").pop()) : key(a).localeCompare(key(b));
    return ascending ? c : -c;
  });
  body.append(...rows);
}

/** Wires the filter box and the sortable headers (once). */
export function wireOpTable(): void {
  byId("op-filter").addEventListener("input", applyFilter);
  byId("refused-only").addEventListener("change", applyFilter);
  byId("op-table").querySelectorAll<HTMLTableCellElement>("th[data-sort]").forEach((th, i) => {
    const activate = () => sortBy(i, th.dataset.sort === "num", th);
    th.tabIndex = 0;
    th.addEventListener("click", activate);
    th.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") {
        e.preventDefault();
        activate();
      }
    });
  });
}
