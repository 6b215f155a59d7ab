import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { DEEPLAB, dropFile, openPage } from "./helpers";

const ORIGINAL = "deeplabv3_mnv2_pascal_513_os8_google_original.tflite";
const QUANT = "deeplabv3_mnv2_pascal_513_os8_quant.tflite";
const CLI = resolve("target/debug/delegate-doctor");

interface CliAnalysis {
  delegate: string;
  sdk?: number;
  outcome: string;
  tie_at_limit: boolean;
  delegated_nodes: number;
  total_nodes: number;
  delegate_kernels: number;
  verdict: { summary: string };
  refused: { index: number; op: string; reasons: string[] }[];
}

/** What `delegate-doctor analyze MODEL --delegate all --format json` (built by `cargo build`) says. */
function cli(model: string, ...flags: string[]): CliAnalysis[] {
  const out = execFileSync(CLI, ["analyze", model, "--delegate", "all", "--format", "json", ...flags], { encoding: "utf8" });
  return (JSON.parse(out) as { analyses: CliAnalysis[] }).analyses;
}

const NAMES: Record<string, string> = { gpu: "GPU", "litert-gpu": "LiteRT GPU", xnnpack: "XNNPACK (CPU)" };

/** A matrix row as the page should show it for one CLI analysis. */
function expectedRow(a: CliAnalysis): string[] {
  return [
    a.delegate === "nnapi" ? `API ${a.sdk}` : NAMES[a.delegate],
    a.tie_at_limit ? `${a.outcome} (tie)` : a.outcome,
    `${a.delegated_nodes}/${a.total_nodes}`,
    String(a.delegate_kernels),
    a.verdict.summary,
  ];
}

async function matrixRows(page: Page): Promise<string[][]> {
  const rows = page.locator("#matrix tbody tr");
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) out.push(await rows.nth(i).locator("td").allTextContents());
  return out;
}

for (const name of [ORIGINAL, QUANT]) {
  test(`the matrix of ${name} has NNAPI 27–35, GPU, LiteRT GPU and XNNPACK, each as the CLI says`, async ({ page }) => {
    await openPage(page);
    await dropFile(page, DEEPLAB(name));
    await expect(page.locator("#matrix tbody tr")).toHaveCount(12);
    expect(await matrixRows(page)).toEqual(cli(DEEPLAB(name)).map(expectedRow));
    await expect(page.locator("#comparison")).toHaveText(/^Runs most of the model: /);
  });
}

test("Google's DeepLab: LiteRT GPU refuses the int64 ARG_MAX and takes 70 of 71 nodes", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB(ORIGINAL));
  const row = page.locator("#matrix tr[data-delegate=litert-gpu]");
  await expect(row.locator("td").nth(2)).toHaveText("70/71");
  await row.click();
  await expect(page.locator("#delegate")).toHaveValue("litert-gpu");
  await expect(page.locator("#matrix tr.current")).toHaveAttribute("data-delegate", "litert-gpu");
  await expect(page.locator("#verdict")).toHaveText(/^LiteRT GPU: 1 LiteRT GPU partition covers 70 of 71 nodes/);
  await expect(page.locator("#run-order")).toContainText("ARG_MAX: Tensor type(INT64) is not supported. ArgMax");
  await expect(page.locator("#run-order")).toContainText("Replacing 70 out of 71 node(s) with delegate (LITERT_CL) node");
  await expect(page.locator("#refused li[data-index='70']")).toContainText("70 ARG_MAX");
  await expect(page.locator("#refused li[data-index='70'] .reason")).toHaveText("Tensor type(INT64) is not supported. ArgMax");
  // LiteRT's accelerator makes one partition: no partition limit there.
  await expect(page.locator("#gpu-options")).toBeVisible();
  await expect(page.locator("#gpu-limit")).toBeHidden();
});

test("picking the GPU row shows its run order, hides the NNAPI controls and plans the fixes for the GPU", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB(ORIGINAL));
  await expect(page.locator("#matrix tbody tr")).toHaveCount(12);
  await expect(page.locator("#fix-body")).toBeVisible();
  await page.locator("#matrix tr[data-delegate=gpu]").click();
  await expect(page.locator("#delegate")).toHaveValue("gpu");
  const listing = page.locator("#run-order");
  await expect(listing).toContainText("TfLiteGpuDelegateV2\t[ResizeBilinear_2]:71");
  await expect(listing).toContainText("ARG_MAX\t[ArgMax]:70");
  await expect(page.locator("#run-order-hint")).toHaveText(/--use_gpu=1/);
  await expect(page.locator("#plan-bar .seg")).toHaveCount(2);
  await expect(page.locator("#nnapi-options")).toBeHidden();
  await expect(page.locator("#gpu-limit")).toBeVisible();
  await expect(page.locator("#op-delegate-head")).toHaveText("GPU");
  // The classic GPU delegate has no ARG_MAX parser, and no rewrite makes one: nothing to fix.
  await expect(page.locator("#fix-body")).toBeVisible();
  await expect(page.locator("#changes tbody")).toHaveText("No fix applies for this target.");
  await expect(page.locator("#not-fixed")).toContainText("70 ARG_MAX: Operation is not supported.");
  // The op table shows the GPU delegate's reason (as the CLI gives it), and that no fix cures it.
  const gpu = cli(DEEPLAB(ORIGINAL)).find((a) => a.delegate === "gpu");
  expect(gpu?.refused.map((r) => r.index)).toEqual([70]);
  const cell = page.locator("#op-table tbody tr").nth(70).locator("td.nnapi");
  await expect(cell).toContainText(gpu?.refused[0].reasons.join(" ") ?? "?");
  await expect(cell.locator(".cure")).toHaveText(/^No fix: /);
  // Back to NNAPI through the matrix: its controls and fixes return.
  await page.locator("#matrix tr[data-sdk='29']").click();
  await expect(page.locator("#verdict")).toHaveText(/^API 29: /);
  await expect(page.locator("#nnapi-options")).toBeVisible();
  await expect(page.locator("#fix-body")).toBeVisible();
  await expect(page.locator("#sdk")).toHaveValue("29");
});

test("the GPU options reach the analysis: quantized ops off, as the CLI's flag", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB(QUANT));
  await page.selectOption("#delegate", "gpu");
  await expect(page.locator("#gpu-quant")).toBeChecked();
  await page.uncheck("#gpu-quant");
  const off = cli(DEEPLAB(QUANT), "--gpu-experimental-enable-quant=false");
  const gpu = off.find((a) => a.delegate === "gpu");
  if (!gpu) throw new Error("the CLI gave no GPU analysis");
  await expect(page.locator("#verdict")).toHaveText(`GPU: ${gpu.verdict.summary}`);
  // The flag changes the plan of this uint8 model (the test would prove nothing otherwise).
  const on = cli(DEEPLAB(QUANT)).find((a) => a.delegate === "gpu");
  expect(on?.verdict.summary).not.toBe(gpu.verdict.summary);
  expect((await matrixRows(page)).slice(9)).toEqual(off.slice(9).map(expectedRow));
});

test("a share link with delegate=gpu reopens the GPU target", async ({ page, browser }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB(ORIGINAL));
  await page.selectOption("#delegate", "gpu");
  await expect(page.locator("#verdict")).toHaveText(/^GPU: /);
  const input = page.locator("#share-link");
  await expect(input).toHaveValue(/\?delegate=gpu#r=/);
  await page.waitForTimeout(200);
  const link = await input.inputValue();
  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto(link);
  await fresh.waitForSelector("body[data-ready=true]");
  await expect(fresh.locator("#shared")).toContainText("GPU, --gpu_backend=cl: 1 GPU partition covers 70 of 71 nodes");
  await expect(fresh.locator("#shared")).toContainText("TfLiteGpuDelegateV2");
  await expect(fresh.locator("#shared")).toContainText("70 ARG_MAX");
  await expect(fresh.locator("#delegate")).toHaveValue("gpu");
  await dropFile(fresh, DEEPLAB(ORIGINAL));
  await expect(fresh.locator("#verdict")).toHaveText(/^GPU: 1 GPU partition covers 70 of 71 nodes/);
  await expect(fresh.locator("#matrix tr.current")).toHaveAttribute("data-delegate", "gpu");
});

test("?model=…&delegate=litert-gpu opens the LiteRT GPU target; a bad delegate is refused", async ({ page }) => {
  await page.goto(`/index.html?model=${encodeURIComponent(`samples/${ORIGINAL}`)}&delegate=litert-gpu`);
  await expect(page.locator("#verdict")).toHaveText(/^LiteRT GPU: /);
  await page.goto(`/index.html?model=${encodeURIComponent(`samples/${ORIGINAL}`)}&delegate=<b>x</b>`);
  await expect(page.locator("#error")).toContainText("the delegate is not nnapi, gpu or litert-gpu");
});

test("an embed with &delegate=litert-gpu shows the LiteRT GPU card", async ({ page, baseURL }) => {
  const model = `samples/${ORIGINAL}`;
  const litert = cli(DEEPLAB(ORIGINAL)).find((a) => a.delegate === "litert-gpu");
  await page.setContent(
    `<iframe id="f" width="640" height="260" src="${baseURL}/embed.html?model=${encodeURIComponent(model)}&delegate=litert-gpu"></iframe>`,
  );
  const card = page.frameLocator("#f");
  await expect(card.locator("#card-target")).toHaveText("LiteRT GPU accelerator");
  await expect(card.locator("#card-verdict")).toHaveText(litert?.verdict.summary ?? "?");
  await expect(card.locator("#card-plan .seg")).toHaveCount(2);
  await expect(card.locator("#card-refused li")).toHaveText(["70 ARG_MAX: Tensor type(INT64) is not supported. ArgMax"]);
  await expect(card.locator("#card-open")).toHaveAttribute("href", /index\.html\?model=.*&delegate=litert-gpu$/);
  await page.goto(`/embed.html?model=${encodeURIComponent(model)}&delegate=npu`);
  await expect(page.locator("#card-error")).toHaveText("delegate must be nnapi, gpu or litert-gpu, not npu.");
});

test("the <delegate-doctor-report delegate=gpu> element shows the GPU card", async ({ page, baseURL }) => {
  await page.goto("/docs.html");
  const src = `${baseURL}/samples/${ORIGINAL}`;
  await page.evaluate((src) => {
    const e = document.createElement("delegate-doctor-report");
    e.id = "gpu-element";
    e.setAttribute("src", src);
    e.setAttribute("delegate", "gpu");
    document.body.append(e);
  }, src);
  const frame = page.frameLocator("#gpu-element iframe");
  await expect(frame.locator("#card-target")).toHaveText("GPU delegate (TfLiteGpuDelegateV2)");
  await expect(frame.locator("#card-verdict")).toHaveText(/^1 GPU partition covers 70 of 71 nodes/);
});

test("screenshot: the delegate matrix at laptop width", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openPage(page);
  await dropFile(page, DEEPLAB(ORIGINAL));
  await page.locator("#matrix tr[data-delegate=gpu]").click();
  await expect(page.locator("#run-order")).toContainText("TfLiteGpuDelegateV2");
  // From the section's heading down to the start of the run order, in page coordinates.
  const clip = await page.locator("#diagnose").evaluate((section) => {
    const r = section.getBoundingClientRect();
    const end = document.getElementById("run-order")?.getBoundingClientRect().top ?? r.bottom;
    return { x: Math.max(r.left - 12, 0), y: r.top + window.scrollY - 8, width: r.width + 24, height: end - r.top + 110 };
  });
  await page.screenshot({ path: "test-results/screenshots/delegate-matrix.png", clip, fullPage: true });
  // DD_SCREENSHOTS=1 refreshes the README's copy.
  if (process.env.DD_SCREENSHOTS === "1") {
    await page.screenshot({ path: "docs/screenshots/delegate-matrix.png", clip, fullPage: true });
    expect(readFileSync("docs/screenshots/delegate-matrix.png").length).toBeGreaterThan(10_000);
  }
});

/** A share fragment for `state`, made as share.ts makes it (deflate-raw, base64url). */
async function fragmentOf(page: Page, state: object): Promise<string> {
  return page.evaluate(async (json) => {
    const s = new Blob([json]).stream().pipeThrough(new CompressionStream("deflate-raw"));
    const bytes = new Uint8Array(await new Response(s).arrayBuffer());
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }, JSON.stringify(state));
}

test("a link from before the delegate choice still opens NNAPI; an unknown delegate in a link is refused", async ({ page }) => {
  await openPage(page);
  const old = {
    v: 1, name: ORIGINAL, size: 1, sha256: "b".repeat(64), target: { sdk: 29, options: { disable_nnapi_cpu: false } },
    outcome: "partial", verdict: "old verdict", plan: [["ARG_MAX", "[ArgMax]:70"]], refused: [],
  };
  await page.goto(`/index.html#r=${await fragmentOf(page, old)}`);
  await page.reload();
  await expect(page.locator("#shared")).toContainText("Android API 29, --disable_nnapi_cpu=false: old verdict");
  await expect(page.locator("#delegate")).toHaveValue("nnapi");
  // (The panel itself shows once the model is dropped.)
  await expect(page.locator("#nnapi-options")).not.toHaveAttribute("hidden");
  await expect(page.locator("#gpu-options")).toHaveAttribute("hidden");
  const bad = { ...old, target: { ...old.target, delegate: "npu" } };
  await page.goto(`/index.html#r=${await fragmentOf(page, bad)}`);
  await page.reload();
  await expect(page.locator("#error")).toContainText("This share link cannot be read: the delegate is not nnapi, gpu or litert-gpu");
});

test("for LiteRT's GPU accelerator the page fixes ARG_MAX's int64 output, and the whole model runs on the GPU", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB(ORIGINAL));
  await page.locator("#matrix tr[data-delegate=litert-gpu]").click();
  await expect(page.locator("#delegate")).toHaveValue("litert-gpu");
  await expect(page.locator("#changes tbody tr[data-fix=argmax-int32]")).toHaveCount(1);
  await expect(page.locator("#after-verdict")).toHaveText(
    "Fully delegated: one LiteRT GPU kernel runs all 71 ops. Largest partition: 70 → 71 of 71 nodes.",
  );
  await expect(page.locator("#plan-after")).toContainText("LITERT_CL");
  await expect(page.locator("#download")).toBeEnabled();
});
