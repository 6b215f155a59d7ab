import { expect, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { DEEPLAB, dropBytes, dropFile, openPage, SHARED } from "./helpers";

test("dropping the DeepLab model lists its 71 ops", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_quant.tflite"));
  const rows = page.locator("#op-table tbody tr");
  await expect(rows).toHaveCount(71);
  await expect(page.locator("#op-count")).toHaveText("(71)");
  await expect(rows.nth(61).locator("td.op")).toHaveText("AVERAGE_POOL_2D");
  await expect(rows.nth(70).locator("td.op")).toHaveText("ARG_MAX");
  await expect(rows.nth(61)).toContainText("filter_width=65");
  await expect(page.locator("#model-name")).toHaveText("deeplabv3_mnv2_pascal_513_os8_quant.tflite");
  await expect(page.locator("#error")).toBeHidden();
  await page.screenshot({ path: "test-results/screenshots/inspect-deeplab.png", fullPage: false });
});

test("the file picker opens a model too", async ({ page }) => {
  await openPage(page);
  await page.setInputFiles("#file", DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite"));
  await expect(page.locator("#op-table tbody tr")).toHaveCount(71);
  await expect(page.locator("#facts")).toContainText("int64[1,513,513]");
});

test("a sample button loads the bundled model", async ({ page }) => {
  await openPage(page);
  await page.getByRole("button", { name: "DeepLabV3 (Google's original)" }).click();
  await expect(page.locator("#op-table tbody tr")).toHaveCount(71);
});

test("dropping a PNG shows a clear inline error", async ({ page }) => {
  await openPage(page);
  await dropFile(page, `${SHARED}/samples/chelsea.png`);
  const error = page.locator("#error");
  await expect(error).toBeVisible();
  await expect(error).toContainText("not a TFLite model");
  await expect(error).toContainText("PNG image");
  await expect(page.locator("#ops")).toBeHidden();
  await page.screenshot({ path: "test-results/screenshots/error-png.png" });
});

test("empty and truncated files give an error, never a blank page", async ({ page }) => {
  await openPage(page);
  await dropBytes(page, "empty.tflite", new Uint8Array());
  await expect(page.locator("#error")).toContainText("the file is empty");
  const model = readFileSync(DEEPLAB("deeplabv3_mnv2_pascal_513_os8_quant.tflite"));
  await dropBytes(page, "truncated.tflite", model.subarray(0, 100_000));
  await expect(page.locator("#error")).toContainText("truncated.tflite:");
  await expect(page.locator("#error")).toContainText("damaged");
  // The page still works afterwards.
  await dropBytes(page, "again.tflite", model);
  await expect(page.locator("#op-table tbody tr")).toHaveCount(71);
  await expect(page.locator("#error")).toBeHidden();
});

test("names from a model are shown as text, never as HTML", async ({ page }) => {
  // Built by the crate's builder: tensor names with markup.
  const bytes = readFileSync("e2e/fixtures/html-names.tflite");
  let dialogs = 0;
  page.on("dialog", (d) => { dialogs++; void d.dismiss(); });
  await openPage(page);
  await dropBytes(page, "<img src=x onerror=alert(1)>.tflite", bytes);
  await expect(page.locator("#op-table tbody tr")).toHaveCount(1);
  await expect(page.locator("#facts")).toContainText("<script>alert(1)</script>");
  await expect(page.locator("#model-name")).toHaveText("<img src=x onerror=alert(1)>.tflite");
  expect(await page.locator("#summary img, #ops img, #summary script").count()).toBe(0);
  expect(dialogs).toBe(0);
});
