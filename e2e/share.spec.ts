import { expect, test, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { DEEPLAB, dropBytes, dropFile, openPage } from "./helpers";

const ORIGINAL = "deeplabv3_mnv2_pascal_513_os8_google_original.tflite";

async function seedLink(page: Page): Promise<string> {
  await openPage(page);
  await dropFile(page, DEEPLAB(ORIGINAL));
  await page.selectOption("#sdk", "29");
  await page.check("#cpu-fallback");
  await page.fill("#limit", "3");
  await expect(page.locator("#verdict")).toContainText("3 NNAPI partitions cover 66 of 71 nodes");
  const link = page.locator("#share-link");
  await expect(link).toHaveValue(/#r=/);
  // The link reflects the last change (the limit): wait for it to settle.
  await page.waitForTimeout(200);
  return link.inputValue();
}

test("a share link reproduces the report in a fresh page and continues with the same file", async ({ page, browser }) => {
  const link = await seedLink(page);
  expect(link).not.toContain("TfLiteNnapiDelegate"); // compressed, not plain text
  const fresh = await (await browser.newContext()).newPage();
  await fresh.goto(link);
  await fresh.waitForSelector("body[data-ready=true]");
  const shared = fresh.locator("#shared");
  await expect(shared).toBeVisible();
  await expect(shared).toContainText("3 NNAPI partitions cover 66 of 71 nodes");
  await expect(shared).toContainText("[AvgPool2D/AvgPool]:61");
  await expect(shared).toContainText("Large filter window would overflow on the reference CPU path");
  await expect(fresh.locator("#status")).toContainText(`Drop ${ORIGINAL} to continue`);
  await expect(fresh.locator("#sdk")).toHaveValue("29");
  await expect(fresh.locator("#cpu-fallback")).toBeChecked();
  await expect(fresh.locator("#limit")).toHaveValue("3");
  await fresh.screenshot({ path: "test-results/screenshots/share-read-only.png" });

  // Another file is refused with a clear message.
  await dropFile(fresh, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_quant.tflite"));
  await expect(fresh.locator("#error")).toContainText("is a different model from the one in the shared report");
  await expect(fresh.locator("#summary")).toBeHidden();

  // The same file continues with the same target.
  await dropFile(fresh, DEEPLAB(ORIGINAL));
  await expect(fresh.locator("#error")).toBeHidden();
  await expect(fresh.locator("#verdict")).toContainText("API 29: 3 NNAPI partitions cover 66 of 71 nodes");
  await expect(fresh.locator("#shared")).toBeHidden();
});

test("a damaged or hostile share link is refused with a message, never run", async ({ page }) => {
  let dialogs = 0;
  page.on("dialog", (d) => { dialogs++; void d.dismiss(); });
  await page.goto("/index.html#r=not*base64");
  await expect(page.locator("#error")).toContainText("This share link cannot be read: it contains characters a share link never has");
  await page.goto("/index.html#r=AAAA");
  await expect(page.locator("#error")).toContainText("This share link cannot be read");
  // A well-formed link whose texts carry markup: shown as text.
  const state = {
    v: 1, name: "<img src=x onerror=alert(1)>", size: 1, sha256: "a".repeat(64),
    target: { sdk: 29, options: {} }, outcome: "partial", verdict: "<script>alert(2)</script>",
    plan: [["<b>X</b>", "[<i>y</i>]:1"]], refused: [[1, "<svg onload=alert(3)>", ["<u>r</u>"]]],
  };
  const fragment = await page.evaluate(async (json) => {
    const s = new Blob([json]).stream().pipeThrough(new CompressionStream("deflate-raw"));
    const bytes = new Uint8Array(await new Response(s).arrayBuffer());
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }, JSON.stringify(state));
  await page.goto(`/index.html#r=${fragment}`);
  await page.reload();
  await expect(page.locator("#shared")).toContainText("<script>alert(2)</script>");
  await expect(page.locator("#shared")).toContainText("<img src=x onerror=alert(1)>");
  expect(await page.locator("#shared img, #shared script, #shared svg, #shared b").count()).toBe(0);
  expect(dialogs).toBe(0);
});

test("?model=URL loads a model and its share link keeps the URL", async ({ page }) => {
  await page.goto(`/index.html?model=${encodeURIComponent(`samples/${ORIGINAL}`)}`);
  await expect(page.locator("#op-table tbody tr")).toHaveCount(71);
  await expect(page.locator("#share-link")).toHaveValue(/\?model=samples%2F.*#r=/);
  const link = await page.locator("#share-link").inputValue();
  await page.goto(link);
  await expect(page.locator("#op-table tbody tr")).toHaveCount(71);
});

test("?model=URL that cannot be fetched says why", async ({ page }) => {
  await page.goto(`/index.html?model=${encodeURIComponent("samples/no-such-model.tflite")}`);
  await expect(page.locator("#error")).toContainText("the server answered 404");
  await page.goto(`/index.html?model=${encodeURIComponent("http://127.0.0.1:9/model.tflite")}`);
  await expect(page.locator("#error")).toContainText("could not fetch");
  await expect(page.locator("#error")).toContainText("CORS");
});

test("the page only ever requests its own files", async ({ page, baseURL }) => {
  const requests: string[] = [];
  const methods = new Set<string>();
  page.on("request", (r) => {
    requests.push(r.url());
    methods.add(r.method());
  });
  await openPage(page);
  await dropFile(page, DEEPLAB(ORIGINAL));
  await page.selectOption("#sdk", "29");
  await expect(page.locator("#after-verdict")).toContainText("Fully delegated");
  await page.click("#download");
  const dropped = readFileSync(DEEPLAB(ORIGINAL));
  await dropBytes(page, "again.tflite", dropped);
  await expect(page.locator("#op-table tbody tr")).toHaveCount(71);
  const origin = new URL(baseURL ?? "").origin;
  const foreign = requests.filter((u) => !u.startsWith(origin) && !u.startsWith("blob:") && !u.startsWith("data:"));
  expect(foreign).toEqual([]);
  // And nothing was sent: every request is a GET for one of the page's files.
  expect([...methods]).toEqual(["GET"]);
  expect(requests.some((u) => u.endsWith(".wasm"))).toBe(true);
});
