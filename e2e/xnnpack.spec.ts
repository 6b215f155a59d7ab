import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { DEEPLAB, dropFile, openPage } from "./helpers";

const QUANT = "deeplabv3_mnv2_pascal_513_os8_quant.tflite";
const CLI = resolve("target/debug/delegate-doctor");

interface CliCombined {
  xnnpack: string;
  plan: { type: string; name: string; index: number; nodes?: number[]; runs_on: string }[];
  verdict: { summary: string; accelerator_ops: number; xnnpack_ops: number; cpu_ops: number };
}

interface CliAnalysis {
  delegate: string;
  sdk?: number;
  outcome: string;
  delegated_nodes: number;
  total_nodes: number;
  delegate_kernels: number;
  verdict: { summary: string };
  combined?: CliCombined;
}

/** What `delegate-doctor analyze MODEL --format json FLAGS` (built by `cargo build`) says. */
function cli(model: string, ...flags: string[]): CliAnalysis[] {
  const out = execFileSync(CLI, ["analyze", model, "--format", "json", ...flags], { encoding: "utf8" });
  return (JSON.parse(out) as { analyses: CliAnalysis[] }).analyses;
}

/** The combined bar's segments: where each runs and how many ops wide it is. */
async function combinedSegments(page: Page): Promise<[string, number][]> {
  const segs = page.locator("#combined-bar .seg");
  const out: [string, number][] = [];
  for (let i = 0; i < (await segs.count()); i++) {
    const seg = segs.nth(i);
    out.push([(await seg.getAttribute("data-runs-on")) ?? "", Number(await seg.evaluate((e) => (e as HTMLElement).style.flexGrow))]);
  }
  return out;
}

function expectedSegments(c: CliCombined): [string, number][] {
  return c.plan.map((r) => [r.runs_on, r.nodes ? r.nodes.length : 1]);
}

test("the matrix has an XNNPACK row as `analyze --delegate xnnpack` says, and it is not a target", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB(QUANT));
  const row = page.locator("#matrix tr[data-delegate=xnnpack]");
  await expect(row).toHaveCount(1);
  const [x] = cli(DEEPLAB(QUANT), "--delegate", "xnnpack");
  await expect(row.locator("td")).toHaveText([
    "XNNPACK (CPU)",
    x.outcome,
    `${x.delegated_nodes}/${x.total_nodes}`,
    String(x.delegate_kernels),
    x.verdict.summary,
  ]);
  // Clicking it changes nothing: the target stays NNAPI at API 30.
  await row.click();
  await expect(page.locator("#delegate")).toHaveValue("nnapi");
  await expect(page.locator("#matrix tr.current")).toHaveAttribute("data-sdk", "30");
});

for (const sdk of [30, 27]) {
  test(`DeepLab uint8 at API ${sdk}: the combined bar and verdict are the CLI's combined plan`, async ({ page }) => {
    await openPage(page);
    await dropFile(page, DEEPLAB(QUANT));
    await page.locator(`#matrix tr[data-sdk='${sdk}']`).click();
    await expect(page.locator("#matrix tr.current")).toHaveAttribute("data-sdk", String(sdk));
    const [a] = cli(DEEPLAB(QUANT), "--sdk", String(sdk));
    const c = a.combined!;
    await expect(page.locator("#combined")).toBeVisible();
    await expect(page.locator("#combined-verdict")).toHaveText(c.verdict.summary);
    expect(await combinedSegments(page)).toEqual(expectedSegments(c));
    // The three colours: as many XNNPACK and CPU segments as the CLI's rows of each kind.
    const kinds = (k: string) => c.plan.filter((r) => r.runs_on === k).length;
    await expect(page.locator("#combined-bar .seg.xnnpack")).toHaveCount(kinds("xnnpack"));
    await expect(page.locator("#combined-bar .seg.cpu")).toHaveCount(kinds("cpu"));
    await expect(page.locator("#combined-bar .seg.nnapi")).toHaveCount(kinds("accelerator"));
    await page.locator("#combined-details summary").click();
    for (const r of c.plan) await expect(page.locator("#combined-run-order")).toContainText(r.name);
    if (sdk === 27) {
      // NNAPI 1.0 has no DEPTHWISE_CONV_2D v2: XNNPACK runs them between NNAPI's kernels.
      expect(c.xnnpack).toBe("applied");
      expect(c.verdict.xnnpack_ops).toBeGreaterThan(0);
      await expect(page.locator("#combined-bar .seg.xnnpack").first()).toHaveAttribute("title", /^TfLiteXNNPackDelegate /);
    }
    await expect(page.locator("#assumptions")).toContainText("default XNNPACK delegate");
    await expect(page.locator("#assumptions")).not.toContainText("otherwise XNNPACK takes over");
  });
}
