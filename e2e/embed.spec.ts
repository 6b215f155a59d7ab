import { expect, test } from "@playwright/test";

const MODEL = "samples/deeplabv3_mnv2_pascal_513_os8_google_original.tflite";

test("the embed card renders inside a test page's iframe", async ({ page, baseURL }) => {
  await page.setContent(
    `<h1>Docs</h1><iframe id="f" width="640" height="260" src="${baseURL}/embed.html?model=${encodeURIComponent(MODEL)}&sdk=29&cpu_fallback=1&limit=3"></iframe>`,
  );
  const card = page.frameLocator("#f");
  await expect(card.locator("#card-verdict")).toHaveText(/^3 NNAPI partitions cover 66 of 71 nodes/);
  await expect(card.locator("#card-model")).toHaveText("deeplabv3_mnv2_pascal_513_os8_google_original.tflite");
  await expect(card.locator("#card-plan .seg")).toHaveCount(8);
  await expect(card.locator("#card-refused li")).toHaveCount(5);
  await expect(card.locator("#card-open")).toHaveAttribute("href", /index\.html\?model=/);
  await page.screenshot({ path: "test-results/screenshots/embed-card.png" });
});

test("the embed card explains a bad request", async ({ page }) => {
  await page.goto("/embed.html");
  await expect(page.locator("#card-error")).toContainText("embed.html needs ?model=");
  await page.goto("/embed.html?model=samples/missing.tflite&sdk=29");
  await expect(page.locator("#card-error")).toContainText("404");
  await page.goto(`/embed.html?model=${encodeURIComponent(MODEL)}&sdk=12`);
  await expect(page.locator("#card-error")).toContainText("sdk must be an Android API level from 27 to 35");
});

test("docs.html shows the custom element and the iframe, both sized to their content", async ({ page }) => {
  await page.goto("/docs.html");
  await expect(page.locator("#example-element")).toBeVisible();
  const inner = page.locator("#example-element").locator("iframe");
  await expect(inner).toHaveCount(1);
  const frame = page.frameLocator("#example-element iframe");
  await expect(frame.locator("#card-verdict")).toHaveText(/^3 NNAPI partitions cover 66 of 71 nodes/);
  await expect(page.frameLocator("#example-iframe").locator("#card-verdict")).toHaveText(/^Fully delegated/);
  // The element grew to fit the card.
  await expect.poll(async () => (await inner.boundingBox())?.height ?? 0).toBeGreaterThan(150);
  await page.screenshot({ path: "test-results/screenshots/docs-embeds.png", fullPage: true });
});
