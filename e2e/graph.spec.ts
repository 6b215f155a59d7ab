import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { dropFile, openPage } from "./helpers";

const GRAPH_700 = resolve("e2e/fixtures/graph-700.tflite");
const CONTROL_FLOW = resolve("e2e/fixtures/control-flow.tflite");
const HTML_NAMES = resolve("e2e/fixtures/html-names.tflite");
const CLI = "target/debug/delegate-doctor";

interface CliRow {
  nodes?: number[];
  type: string;
  runs_on?: "accelerator" | "xnnpack" | "cpu";
}

/** The CLI's JSON report for `model` (its own analysis, not the page's). */
function cliReport(model: string, ...flags: string[]) {
  if (!existsSync(CLI)) execFileSync("cargo", ["build", "-q", "-p", "delegate-doctor"]);
  return JSON.parse(execFileSync(CLI, ["analyze", model, "--format", "json", ...flags], { encoding: "utf8" }));
}

/** Plan rows as one placement key per op: "kernel-N" (the accelerator's N-th kernel), "xnnpack-N"
 * (by `runs_on` in a combined plan, by the kernel name in XNNPACK's own), "cpu". */
function keysOf(rows: CliRow[], ops: number): string[] {
  const keys = new Array<string>(ops).fill("cpu");
  const count = { accelerator: 0, xnnpack: 0 };
  for (const row of rows) {
    if (!row.nodes || row.runs_on === "cpu") continue;
    const on = row.runs_on ?? (/xnnpack/i.test(row.type) ? "xnnpack" : "accelerator");
    const n = ++count[on];
    for (const i of row.nodes) keys[i] = on === "xnnpack" ? `xnnpack-${n}` : `kernel-${n}`;
  }
  return keys;
}

/** The CLI's own plan of the first analysis (`--use-xnnpack` or not) as placement keys. */
function cliPlacements(model: string, ops: number, ...flags: string[]): string[] {
  return keysOf(cliReport(model, ...flags).analyses[0].plan, ops);
}

/** The CLI's plan that really runs (the first analysis's `combined.plan`, `runs_on`) as placement keys. */
function cliCombinedPlacements(model: string, ops: number, ...flags: string[]): string[] {
  return keysOf(cliReport(model, ...flags).analyses[0].combined.plan, ops);
}

async function openGraph(page: Page, model: string): Promise<void> {
  await openPage(page);
  await dropFile(page, model);
  await expect(page.locator("#verdict")).not.toBeEmpty();
  await page.click("#graph-details summary");
  await expect(page.locator("#graph")).toHaveAttribute("data-drawn", /\d+/, { timeout: 30_000 });
}

/** Each drawn op's placement key and fill, in op order. */
async function drawnOps(page: Page): Promise<{ key: string; fill: string }[]> {
  return page.locator("#graph g.node").evaluateAll((gs) =>
    gs
      .map((g) => ({ i: Number((g as SVGGElement).dataset.index), key: (g as SVGGElement).dataset.placement ?? "", fill: g.querySelector("rect")?.getAttribute("fill") ?? "" }))
      .sort((a, b) => a.i - b.i)
      .map(({ key, fill }) => ({ key, fill })),
  );
}

test("the 700-op model is laid out, one node per op, coloured as the CLI's plan says", async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await openGraph(page, GRAPH_700);
  await expect(page.locator("#graph g.node")).toHaveCount(700);
  await expect(page.locator("#graph g.end.input")).toHaveCount(1);
  await expect(page.locator("#graph g.end.output")).toHaveCount(9);
  await expect(page.locator("#graph-status")).toContainText("700 ops");

  // NNAPI at API 30 (the page's default): 15 kernels split by the custom ops, which XNNPACK does
  // not take either: the plan that really runs (the page's default colouring) is NNAPI's own.
  let ops = await drawnOps(page);
  await expect(page.locator("#graph")).toHaveAttribute("data-colour-by", "combined");
  expect(ops.map((o) => o.key)).toEqual(cliCombinedPlacements(GRAPH_700, 700, "--sdk", "30"));
  expect(ops.map((o) => o.key)).toEqual(cliPlacements(GRAPH_700, 700, "--sdk", "30"));
  const fillOf = new Map<string, Set<string>>();
  for (const o of ops) fillOf.set(o.key, (fillOf.get(o.key) ?? new Set()).add(o.fill));
  for (const fills of fillOf.values()) expect(fills.size).toBe(1); // one colour per partition
  expect([...(fillOf.get("cpu") ?? [])]).toEqual(["#d1761f"]);
  expect(fillOf.get("kernel-1")).not.toEqual(fillOf.get("kernel-2"));
  // Partition boundaries: every edge into or out of a CPU op between two kernels is marked.
  await expect(page.locator("#graph .edges path.crossing").first()).toBeAttached();
  expect(await page.locator("#graph .edges path.crossing").count()).toBeGreaterThanOrEqual(14 * 2);
  await expect(page.locator("#graph-legend")).toContainText("NNAPI kernel 1");

  // Another target recolours without a new layout: the classic GPU delegate keeps one partition,
  // and XNNPACK takes what it left but the custom ops.
  await page.selectOption("#delegate", "gpu");
  await expect(page.locator("#verdict")).toContainText("GPU");
  await expect(page.locator("#graph-legend")).toContainText("GPU delegate kernel 1");
  await expect(page.locator("#graph-legend")).toContainText("XNNPACK (14 kernels)");
  ops = await drawnOps(page);
  expect(ops.map((o) => o.key)).toEqual(cliCombinedPlacements(GRAPH_700, 700, "--delegate", "gpu"));
  // The delegate's own plan, on request: what `--use-xnnpack=false` runs.
  await page.selectOption("#graph-colour-by", "delegate");
  await expect(page.locator("#graph")).toHaveAttribute("data-colour-by", "delegate");
  ops = await drawnOps(page);
  expect(ops.map((o) => o.key)).toEqual(cliPlacements(GRAPH_700, 700, "--delegate", "gpu", "--use-xnnpack=false"));
  await page.selectOption("#graph-colour-by", "combined");

  // For the README: the first custom op (a partition boundary), its tooltip showing.
  await page.selectOption("#delegate", "nnapi");
  await expect(page.locator("#graph-legend")).toContainText("NNAPI kernel 8");
  await page.fill("#graph-search", "block_5/branch_2/smooth");
  await page.press("#graph-search", "Enter");
  await page.fill("#graph-search", "");
  await page.locator("#graph-details").scrollIntoViewIfNeeded();
  await page.locator('#graph g.node[data-index="44"]').hover();
  await expect(page.locator("#graph-tooltip")).toBeVisible();
  await page.locator("#graph-details").screenshot({ path: "docs/screenshots/graph.png" });
});

test("ops are coloured by where they really run: the accelerator's kernels, XNNPACK's, the builtin CPU kernels", async ({ page }) => {
  test.setTimeout(120_000);
  await openGraph(page, GRAPH_700);
  await page.selectOption("#delegate", "gpu");
  await expect(page.locator("#graph-legend")).toContainText("XNNPACK (14 kernels)");
  const want = cliCombinedPlacements(GRAPH_700, 700, "--delegate", "gpu");
  const ops = await drawnOps(page);
  expect(ops.map((o) => o.key)).toEqual(want);
  const fills = (prefix: string) => new Set(ops.filter((o) => o.key.startsWith(prefix)).map((o) => o.fill));
  expect(fills("xnnpack-")).toEqual(new Set(["#8a8f98"])); // XNNPACK_COLOUR, every XNNPACK kernel
  expect(fills("cpu")).toEqual(new Set(["#d1761f"]));
  expect(fills("kernel-")).toEqual(new Set(["#1b7f3b"])); // the GPU delegate's one kernel
  expect(want.filter((k) => k === "cpu")).toHaveLength(14); // the custom ops
  // A boundary between two XNNPACK kernels (around a custom op) is a partition boundary too.
  await expect(page.locator("#graph .edges path.crossing").first()).toBeAttached();
  // The tooltip says which XNNPACK kernel runs an op, and why XNNPACK left a CPU op.
  const first = want.indexOf("xnnpack-1");
  await page.fill("#graph-search", "block_0/stem");
  await page.press("#graph-search", "Enter");
  await page.locator(`#graph g.node[data-index="${first}"]`).hover();
  await expect(page.locator("#graph-tooltip")).toContainText("Runs on: XNNPACK kernel 1 (");
  await page.fill("#graph-search", "block_5/branch_2/smooth");
  await page.press("#graph-search", "Enter");
  await page.locator('#graph g.node[data-index="44"]').hover();
  await expect(page.locator("#graph-tooltip")).toContainText("Runs on: CPU");
  await expect(page.locator("#graph-tooltip")).toContainText('Refused by XNNPACK: unsupported custom operator type "Smooth" in node #44');
  // XNNPACK on its own: its kernels, as `analyze --delegate xnnpack` says.
  await page.selectOption("#graph-colour-by", "xnnpack");
  await expect(page.locator("#graph")).toHaveAttribute("data-colour-by", "xnnpack");
  await expect(page.locator("#graph-legend")).toContainText("XNNPACK (15 kernels)");
  const alone = await drawnOps(page);
  expect(alone.map((o) => o.key)).toEqual(cliPlacements(GRAPH_700, 700, "--delegate", "xnnpack"));
  expect(alone.filter((o) => o.key.startsWith("kernel-"))).toHaveLength(0);
});

test("hovering an op shows its type, where it runs, its shapes and why it was refused, as text", async ({ page }) => {
  await openGraph(page, GRAPH_700);
  await page.fill("#graph-search", "block_5/branch_2/smooth");
  await page.press("#graph-search", "Enter");
  const node = page.locator('#graph g.node[data-index="44"]');
  await node.hover();
  const tip = page.locator("#graph-tooltip");
  await expect(tip).toBeVisible();
  await expect(tip.locator("strong")).toHaveText("44 Smooth (v1)");
  await expect(tip).toContainText("Runs on: CPU");
  await expect(tip).toContainText("In: block_5/branch_2/conv float32[1,8,8,4]");
  await expect(tip).toContainText("Out: block_5/branch_2/smooth float32[1,8,8,4]");
  await expect(tip.locator(".reason").first()).toContainText("Refused: ");
  // A delegated op says which kernel runs it.
  await page.fill("#graph-search", "block_0/stem");
  await page.press("#graph-search", "Enter");
  await page.locator('#graph g.node[data-index="0"]').hover();
  await expect(tip.locator("strong")).toHaveText("0 CONV_2D (v1)");
  await expect(tip).toContainText("Runs on: NNAPI kernel 1 (TfLiteNnapiDelegate");
  await expect(tip).toContainText("In: block_0/stem/weights float32[4,1,1,4] (const)");
});

test("search finds ops by a tensor name and by op type", async ({ page }) => {
  await openGraph(page, GRAPH_700);
  await page.fill("#graph-search", "head_3/scores");
  await expect(page.locator("#graph-found")).toHaveText("1 op match");
  await expect(page.locator("#graph g.node.match")).toHaveCount(1);
  const producer = page.locator("#graph g.node.match");
  await expect(producer.locator("text")).toHaveText(/ LOGISTIC$/);
  // The tensor's edge (to the output) is highlighted too.
  await expect(page.locator("#graph .edges path.match")).toHaveCount(1);
  await page.fill("#graph-search", "smooth");
  await expect(page.locator("#graph-found")).toHaveText("28 ops match"); // 14 custom ops and the 14 CONCATENATIONs reading them
  await page.fill("#graph-search", "");
  await expect(page.locator("#graph g.node.match")).toHaveCount(0);
});

test("clicking an op scrolls to its row in the op table and highlights it, even when filtered out", async ({ page }) => {
  await openGraph(page, GRAPH_700);
  await page.fill("#op-filter", "RELU"); // hides the custom op's row
  const row = page.locator('#op-table tbody tr[data-subgraph="0"][data-index="44"]');
  await expect(row).toBeHidden();
  await page.fill("#graph-search", "block_5/branch_2/smooth");
  await page.press("#graph-search", "Enter");
  await page.locator('#graph g.node[data-index="44"]').click();
  await expect(row).toBeVisible();
  await expect(row).toHaveClass(/picked/);
  await expect(row).toBeInViewport();
  await expect(page.locator("#op-filter")).toHaveValue("");
  await expect(page.locator("#op-table tr.picked")).toHaveCount(1);
});

test("the zoom buttons and a drag change the view", async ({ page }) => {
  await openGraph(page, GRAPH_700);
  const svg = page.locator("#graph svg");
  const scale = async () => Number(await svg.getAttribute("data-scale"));
  await expect(svg).toHaveAttribute("data-scale", /\d/);
  const before = await scale();
  await page.click("#graph-zoom-in");
  await expect.poll(scale).toBeGreaterThan(before);
  await page.click("#graph-fit");
  await expect.poll(scale).toBe(before);
  const transform = () => page.locator("#graph g.scene").getAttribute("transform");
  const t0 = await transform();
  await svg.scrollIntoViewIfNeeded();
  const box = await svg.boundingBox();
  if (!box) throw new Error("no graph box");
  await page.mouse.move(box.x + 40, box.y + 300);
  await page.mouse.down();
  await page.mouse.move(box.x + 140, box.y + 100, { steps: 5 });
  await page.mouse.up();
  await expect.poll(transform).not.toBe(t0);
  // The keyboard pans too.
  const t1 = await transform();
  await svg.focus();
  await page.keyboard.press("ArrowDown");
  await expect.poll(transform).not.toBe(t1);
});

test("the subgraph selector shows the IF's bodies, coloured by their own plans", async ({ page }) => {
  await openGraph(page, CONTROL_FLOW);
  await expect(page.locator("#graph-subgraph-label")).toBeVisible();
  await expect(page.locator("#graph-subgraph option")).toHaveCount(3);
  await expect(page.locator("#graph g.node")).toHaveCount(3);
  expect((await drawnOps(page)).map((o) => o.key)).toEqual(["kernel-1", "cpu", "kernel-2"]);
  await page.selectOption("#graph-subgraph", "1");
  await expect(page.locator("#graph")).toHaveAttribute("data-subgraph", "1");
  await expect(page.locator("#graph g.node")).toHaveCount(2);
  await expect(page.locator("#graph g.node text")).toHaveText(["0 MUL", "1 RELU"]);
  expect((await drawnOps(page)).map((o) => o.key)).toEqual(["kernel-1", "kernel-1"]);

  await page.locator('#graph g.node[data-index="1"]').click();
  await expect(page.locator('#op-table tr[data-subgraph="1"][data-index="1"]')).toHaveClass(/picked/);
  // The body's markup-named tensor stays text.
  await page.locator('#graph g.node[data-index="0"]').hover();
  await expect(page.locator("#graph-tooltip")).toContainText("Out: <i>then_mul</i> float32[1,8,8,4]");
  await expect(page.locator("#graph-tooltip i")).toHaveCount(0);
  await page.selectOption("#graph-subgraph", "0");
  await expect(page.locator("#graph g.node")).toHaveCount(3);
  // With the GPU delegate (one partition kept) XNNPACK takes an op it left: the plan that really
  // runs, as the CLI's `combined` says, in the primary subgraph and in the bodies.
  await page.selectOption("#delegate", "gpu");
  await expect(page.locator("#graph-legend")).toContainText("XNNPACK (1 kernel)");
  const combined = cliReport(CONTROL_FLOW, "--delegate", "gpu").analyses[0].combined;
  const primary = keysOf(combined.plan, 3);
  expect(primary).toContain("xnnpack-1");
  expect((await drawnOps(page)).map((o) => o.key)).toEqual(primary);
  await page.selectOption("#graph-subgraph", "1");
  await expect(page.locator("#graph")).toHaveAttribute("data-subgraph", "1");
  const body = combined.other_subgraphs.find((o: { index: number }) => o.index === 1);
  expect((await drawnOps(page)).map((o) => o.key)).toEqual(keysOf(body.plan, 2));
});

test("names full of markup are shown as text in the graph", async ({ page }) => {
  await openGraph(page, HTML_NAMES);
  // Cut to the box (the full name is in its title and the tooltip), but text all the same.
  await expect(page.locator("#graph g.end.input text")).toHaveText("<script>alert(1)</scr…");
  await expect(page.locator("#graph g.end.input title")).toHaveText("input <script>alert(1)</script>");
  await page.locator("#graph g.node").first().hover();
  const tip = page.locator("#graph-tooltip");
  await expect(tip).toContainText("In: <img src=x onerror=alert(2)> int32[2] (const)");
  await expect(tip).toContainText('Out: "><svg onload=alert(3)>');
  await expect(page.locator("#graph script, #graph img, #graph-tooltip img, #graph-tooltip svg")).toHaveCount(0);
  await page.fill("#graph-search", "<img");
  await expect(page.locator("#graph-found")).toHaveText("1 op match");
});
