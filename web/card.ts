// The compact report card used by embed.html: verdict, plan bar and refused ops for one target
// (NNAPI at one level, the GPU delegate or LiteRT's GPU accelerator).
import { byId, clear, el } from "./dom.js";
import { renderCombinedBar, renderPlanBar } from "./diagnose.js";
import type { InspectReport, TargetReport } from "./report.js";

const CARD_TARGETS = { gpu: "GPU delegate (TfLiteGpuDelegateV2)", "litert-gpu": "LiteRT GPU accelerator" } as const;

function cardTarget(a: TargetReport): string {
  return a.delegate === "nnapi" ? `Android API ${a.sdk}` : CARD_TARGETS[a.delegate];
}

export function renderCard(name: string, a: TargetReport, inspect: InspectReport, link: string): void {
  byId("card-model").textContent = name;
  byId("card-target").textContent = cardTarget(a);
  byId("card").dataset.delegate = a.delegate;
  const verdict = byId("card-verdict");
  verdict.textContent = a.verdict.summary;
  verdict.className = `card-verdict outcome-${a.outcome}`;
  renderPlanBar(byId("card-plan"), a, inspect);
  // With the default XNNPACK delegate after the delegate: what really runs, in three colours.
  byId("card-combined-verdict").textContent = a.combined ? `With XNNPACK: ${a.combined.verdict.summary}` : "";
  renderCombinedBar(byId("card-combined"), a.combined, a.delegate, inspect);
  const refused = byId("card-refused");
  clear(refused);
  for (const r of a.refused.slice(0, 12)) {
    refused.append(el("li", {}, el("strong", {}, `${r.index} ${r.op}`), `: ${r.reasons.join(" ")}`));
  }
  if (a.refused.length > 12) refused.append(el("li", {}, `… and ${a.refused.length - 12} more`));
  const open = byId<HTMLAnchorElement>("card-open");
  open.href = link;
  byId("card").hidden = false;
}
