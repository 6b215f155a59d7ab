// Drives the page's graph view in Debian's Chromium (headless, Playwright) for scripts/bench-graph.sh:
// opens MODEL in a fresh browser context per round (so the layout library is fetched and compiled
// cold each time), opens the graph and reads how long the draw took and the longest frame meanwhile
// (how long the page froze); then pans and zooms the last
// page and records the frame intervals. Prints figures only.
//   node bench/graph-drive.mjs URL MODEL ROUNDS
import { chromium } from "@playwright/test";

const [url, model, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 7);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const ms = (v) => `${v.toFixed(0)} ms`;

async function openGraph(context) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
  await page.setInputFiles("#file", model);
  await page.waitForSelector("#verdict:not(:empty)");
  // The layout runs in a worker: the longest frame while opening says how long the page froze.
  const opening = await frames(page, async () => {
    await page.click("#graph-details summary");
    await page.waitForSelector("#graph[data-drawn]", { timeout: 60_000 });
  });
  const d = await page.locator("#graph").evaluate((g) => ({ ...g.dataset }));
  return { page, draw: Number(d.drawMs), layout: Number(d.layoutMs), load: Number(d.loadMs), frozen: Math.max(0, ...opening) };
}

/** Frame intervals (ms) while `action` runs, from requestAnimationFrame timestamps. */
async function frames(page, action) {
  // Each recording has its own token, so the loop of an earlier one stops instead of doubling frames.
  await page.evaluate(() => {
    const w = window;
    const token = (w.benchToken = (w.benchToken ?? 0) + 1);
    w.benchFrames = [];
    const tick = (t) => {
      if (w.benchToken !== token) return;
      w.benchFrames.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await action();
  const stamps = await page.evaluate(() => {
    window.benchToken++;
    return window.benchFrames;
  });
  return stamps.slice(1).map((t, i) => t - stamps[i]);
}

/** A drag of `steps` pointer moves, one every ~16 ms, as a hand would pan. */
async function drag(page, box, steps) {
  await page.mouse.move(box.x + box.width / 2, box.y + box.height - 40);
  await page.mouse.down();
  for (let i = 0; i < steps; i++) {
    await page.mouse.move(box.x + box.width / 2 + 60 * Math.sin(i / 10), box.y + box.height - 40 - (i % 60) * 10);
    await page.waitForTimeout(16);
  }
  await page.mouse.up();
}

function frameLine(label, dts) {
  const long = dts.filter((d) => d > 50).length;
  return `  ${label.padEnd(38)} ${String(dts.length).padStart(4)} frames, median ${dts.length ? median(dts).toFixed(1) : "-"} ms, ` +
    `p95 ${dts.length ? pct(dts, 0.95).toFixed(1) : "-"} ms, longest ${dts.length ? Math.max(...dts).toFixed(1) : "-"} ms, ${long} over 50 ms`;
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const results = [];
  let last = null;
  for (let r = 0; r < rounds; r++) {
    const context = await browser.newContext();
    const res = await openGraph(context);
    results.push(res);
    if (last) await last.context.close();
    last = { context, page: res.page };
  }
  const ops = await last.page.locator("#graph g.node").count();
  console.log(`${model}: ${ops} ops drawn; ${rounds} fresh pages (cold library and layout each)`);
  const labels = {
    draw: "open → drawn (worker, load, layout, SVG)",
    layout: "dagre layout alone (in the worker)",
    load: "fetching + compiling dagre",
    frozen: "longest frame while opening",
  };
  for (const [key, label] of Object.entries(labels)) {
    const xs = results.map((x) => x[key]);
    console.log(`  ${label.padEnd(40)} median ${ms(median(xs))}, min ${ms(Math.min(...xs))}, max ${ms(Math.max(...xs))}`);
  }
  const page = last.page;
  const svg = page.locator("#graph svg");
  await svg.scrollIntoViewIfNeeded();
  const box = await svg.boundingBox();
  console.log("panning (rAF frame intervals while dragging; 16.7 ms = 60 fps):");
  console.log(frameLine("at the initial scale", await frames(page, () => drag(page, box, 120))));
  // Zoomed out until the whole graph is on screen: every node and edge is painted on each frame.
  for (let i = 0; i < 30; i++) await page.click("#graph-zoom-out");
  const scale = await svg.getAttribute("data-scale");
  console.log(frameLine(`zoomed out to the whole graph (×${scale})`, await frames(page, () => drag(page, box, 120))));
  const wheel = await frames(page, async () => {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 40; i++) {
      await page.mouse.wheel(0, i < 20 ? -120 : 120);
      await page.waitForTimeout(16);
    }
  });
  console.log(frameLine("wheel zoom in and out", wheel));
} finally {
  await browser.close();
}
