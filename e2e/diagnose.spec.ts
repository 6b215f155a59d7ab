import { expect, test } from "@playwright/test";
import { resolve } from "node:path";
import { DEEPLAB, dropFile, openPage } from "./helpers";

const SEED_ROWS = [
  "TfLiteNnapiDelegate\t[MobilenetV2/expanded_conv_16/project/add_fold, aspp0/Relu]:71",
  "AVERAGE_POOL_2D\t[AvgPool2D/AvgPool]:61",
  "TfLiteNnapiDelegate\t[image_pooling/Relu]:72",
  "RESIZE_BILINEAR\t[ResizeBilinear]:63",
  "TfLiteNnapiDelegate\t[logits/semantic/BiasAdd]:73",
  "RESIZE_BILINEAR\t[ResizeBilinear_1]:68",
  "RESIZE_BILINEAR\t[ResizeBilinear_2]:69",
  "ARG_MAX\t[ArgMax]:70",
];

test("Google's DeepLab at API 29 with CPU fallback and 3 partitions gives the seed's 8 rows", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite"));
  await page.selectOption("#sdk", "29");
  await page.check("#cpu-fallback");
  await page.fill("#limit", "3");
  const listing = page.locator("#run-order");
  await expect(listing).toContainText("Replacing 66 out of 71 node(s)");
  const text = (await listing.textContent()) ?? "";
  const rows = text.split("\n").slice(3).map((l) => l.trim().replace(/\s*\t/, "\t"));
  expect(rows).toEqual(SEED_ROWS);
  await expect(page.locator("#verdict")).toContainText("3 NNAPI partitions cover 66 of 71 nodes");
  await expect(page.locator("#refused")).toContainText("Large filter window would overflow on the reference CPU path");
  await expect(page.locator("#refused")).toContainText("NNAPI does not support align_corners == true.");
  await expect(page.locator("#refused")).toContainText("NNAPI only supports int32 output.");
  await expect(page.locator("#matrix tbody tr")).toHaveCount(12); // NNAPI 27–35, GPU, LiteRT GPU, XNNPACK
  await page.screenshot({ path: "test-results/screenshots/diagnose-seed.png", fullPage: true });
});

test("changing the level recomputes without a reload", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite"));
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.selectOption("#sdk", "29");
  await expect(page.locator("#verdict")).toContainText("API 29");
  await page.selectOption("#sdk", "30");
  await expect(page.locator("#verdict")).toContainText("API 30: 1 NNAPI partition covers 70 of 71 nodes");
  await expect(page.locator("#matrix tr.current")).toContainText("30");
  expect(await page.evaluate(() => (window as unknown as { marker: number }).marker)).toBe(42);
  // The op table marks ARG_MAX as refused with its reason and the fix that cures it.
  const cell = page.locator("#op-table tbody tr").nth(70).locator("td.nnapi");
  await expect(cell).toContainText("NNAPI only supports int32 output.");
  await expect(cell.locator(".cure")).toHaveText("Fix: argmax-int32 (exact): output type int64 → int32");
  await expect(page.locator("#op-table tbody tr").nth(0).locator("td.nnapi")).toHaveText("accepted");
});

test("the plan bar shows kernels and CPU ops in run order, with the ops on hover", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite"));
  await page.selectOption("#sdk", "29");
  await page.check("#cpu-fallback");
  await page.fill("#limit", "3");
  const segs = page.locator("#plan-bar .seg");
  await expect(segs).toHaveCount(8);
  await expect(segs.nth(0)).toHaveClass(/nnapi/);
  await expect(segs.nth(1)).toHaveClass(/cpu/);
  const title = (await segs.nth(0).getAttribute("title")) ?? "";
  expect(title).toContain("62 ops");
  expect(title).toContain("CONV_2D×");
  await expect(segs.nth(1)).toHaveAttribute("title", "AVERAGE_POOL_2D [AvgPool2D/AvgPool]:61 on the CPU");
});

test("the op table filters and sorts", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite"));
  await page.selectOption("#sdk", "29");
  await expect(page.locator("#verdict")).toContainText("API 29");
  await page.check("#refused-only");
  await expect(page.locator("#op-table tbody tr:not([hidden])")).toHaveCount(4);
  await page.uncheck("#refused-only");
  await page.fill("#op-filter", "RESIZE_BILINEAR");
  await expect(page.locator("#op-table tbody tr:not([hidden])")).toHaveCount(3);
  // Tensor names match too: the pool that writes AvgPool2D/AvgPool and the conv that reads it.
  await page.fill("#op-filter", "AvgPool2D/AvgPool");
  await expect(page.locator("#op-table tbody tr:not([hidden])")).toHaveCount(2);
  await page.fill("#op-filter", "");
  await page.click("#op-table th:nth-child(2)");
  await expect(page.locator("#op-table tbody tr").first().locator("td.op")).toHaveText("ADD");
  await page.click("#op-table th:nth-child(2)");
  await expect(page.locator("#op-table tbody tr").first().locator("td.op")).toHaveText("RESIZE_BILINEAR");
});

test("the graph view colours ops by partition", async ({ page }) => {
  await openPage(page);
  await dropFile(page, DEEPLAB("deeplabv3_mnv2_pascal_513_os8_google_original.tflite"));
  await page.selectOption("#sdk", "29");
  await page.check("#cpu-fallback");
  await page.fill("#limit", "3");
  await expect(page.locator("#verdict")).toContainText("3 NNAPI partitions");
  await page.click("#graph-details summary");
  const nodes = page.locator("#graph g.node");
  await expect(nodes).toHaveCount(71);
  const fill = (i: number) => nodes.nth(i).locator("rect").getAttribute("fill");
  expect(await fill(0)).toBe(await fill(64)); // same NNAPI kernel (greedy clustering)
  expect(await fill(61)).toBe("#d1761f"); // the pool runs on the CPU
  expect(await fill(62)).not.toBe(await fill(0)); // the second kernel
  await expect(nodes.nth(61)).toHaveAttribute("data-placement", "cpu");
  await expect(nodes.nth(0)).toHaveAttribute("data-placement", "kernel-1");
  await expect(nodes.nth(62)).toHaveAttribute("data-placement", "kernel-2");
});

test("a partition limit between partitions of equal size is flagged as a tie", async ({ page }) => {
  await openPage(page);
  await dropFile(page, resolve("e2e/fixtures/tied-partitions.tflite"));
  await page.selectOption("#sdk", "29");
  await page.fill("#limit", "2");
  await expect(page.locator("#verdict")).toContainText("The partition limit (2) falls among 3 partitions of 1 node each");
  await expect(page.locator("#verdict")).toContainText("this plan is one of several");
  await expect(page.locator("#matrix tr.current td").nth(1)).toHaveText("partial (tie)");
  // Without a limit nothing is dropped, so there is no tie.
  await page.fill("#limit", "0");
  await expect(page.locator("#matrix tr.current td").nth(1)).toHaveText("partial");
  await expect(page.locator("#verdict")).not.toContainText("one of several");
});
