// The fix panel: which fixes the planner applies for the target, the plan before and after, and the
// download of the fixed model.
import { byId, clear, el } from "./dom.js";
import { runOrderText, type Target } from "./diagnose.js";
import type { FixReport } from "./report.js";

export function fixOptions(target: Target): object {
  const boxes = byId("fix-toggles").querySelectorAll<HTMLInputElement>("input[name=fix]");
  const only = [...boxes].filter((b) => b.checked).map((b) => b.value);
  const cutTail = byId<HTMLInputElement>("cut-tail").checked;
  if (cutTail) only.push("cut");
  return {
    target: { ...target.options, sdk: target.sdk },
    delegate: target.delegate,
    ...(target.delegate === "nnapi" ? {} : { gpu: target.gpu }),
    only,
    cut: cutTail ? ["tail"] : [],
    pool_form: byId<HTMLSelectElement>("pool-form").value,
  };
}

/** What the fix panel does about each refused op of the original: op index → one line. */
export function curesByOp(r: FixReport): Map<number, string> {
  const cures = new Map<number, string>();
  for (const c of r.changes) cures.set(c.op, `Fix: ${c.fix} (${c.exactness}): ${c.what}`);
  for (const n of r.not_fixed) if (n.reasons.length) cures.set(n.op, `No fix: ${n.why}`);
  return cures;
}

function renderChanges(r: FixReport): void {
  const body = byId("changes").querySelector("tbody");
  if (!body) return;
  clear(body);
  if (r.changes.length === 0) {
    body.append(el("tr", {}, el("td", { colspan: "4" }, "No fix applies for this target.")));
  }
  for (const c of r.changes) {
    body.append(
      el(
        "tr",
        { "data-fix": c.fix },
        el("td", {}, `${c.op} ${c.op_type}`),
        el("td", {}, c.fix),
        el("td", {}, c.what),
        el("td", { class: `exactness-${c.exactness}`, title: c.detail ?? "" }, c.detail ? `${c.exactness}: ${c.detail}` : c.exactness),
      ),
    );
  }
  const notFixed = byId("not-fixed");
  clear(notFixed);
  for (const n of r.not_fixed) {
    const head = n.reasons.length ? `${n.op} ${n.op_type}: ${n.reasons.join(" | ")}` : "Nothing to fix";
    notFixed.append(el("li", {}, el("strong", {}, head), el("div", { class: "reason" }, `Not fixed: ${n.why}`)));
  }
  for (const line of r.not_cut ?? []) {
    notFixed.append(el("li", { class: "not-cut" }, el("strong", {}, "Cannot cut"), el("div", { class: "reason" }, line)));
  }
}

/** Shows the fix result; the download asks for the fixed bytes, and "Copy report" for the report as
 * Markdown (rendered by the wasm, the CLI's `fix --format md`), only when clicked. */
export function renderFix(
  name: string,
  r: FixReport,
  fixedBytes: () => Promise<Uint8Array>,
  markdown: () => Promise<string>,
): void {
  renderChanges(r);
  const largest = r.largest_partition;
  const growth = largest ? ` Largest partition: ${largest.before} → ${largest.after} of ${r.before.total_nodes} nodes.` : "";
  byId("before-verdict").textContent = r.before_verdict.summary;
  byId("after-verdict").textContent = r.after_verdict.summary + growth;
  byId("plan-before").textContent = runOrderText(r.before);
  byId("plan-after").textContent = runOrderText(r.after);
  const download = byId<HTMLButtonElement>("download");
  download.disabled = r.changes.length === 0;
  download.onclick = async () => {
    const bytes = await fixedBytes();
    const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: "application/octet-stream" }));
    const a = el("a", { href: url, download: fixedName(name) });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  byId<HTMLButtonElement>("copy-report").onclick = () => {
    const status = byId("fix-status");
    void markdown()
      .then((text) => navigator.clipboard.writeText(text))
      .then(
        () => (status.textContent = "Report copied."),
        (e: unknown) =>
          (status.textContent = e instanceof Error && /clipboard|permission|allowed/i.test(e.message)
            ? "The browser refused the clipboard."
            : `The report could not be made: ${String(e)}`),
      );
  };
  byId("fix").hidden = false;
}

export function fixedName(name: string): string {
  return `${name.replace(/\.tflite$/i, "")}.fixed.tflite`;
}
