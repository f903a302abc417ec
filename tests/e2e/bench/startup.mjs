// Start-up: navigation → interactive form (the Generate button mounted by the
// wasm app, with its handlers), in headless Chromium on loopback.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { browser, configFor, serveApp, startEmulator } from '../harness.mjs';
import { mean, median, ms, quantile, verdict } from './stats.mjs';
import { KIND_NAMES, mainThreadBreakdown, startTrace } from './trace.mjs';

/** Targets of issue 16, ms: the median and the p95 of first visits. */
export const TARGET_MEDIAN_MS = 120;
export const TARGET_P95_MS = 150;

/**
 * The framework's floor, if `.ci/bench` built it: the smallest Leptos page
 * (crates/avatar-bench/minimal-page), timed the same way in the same run.
 */
const MINIMAL_DIST = process.env.AVATAR_MINIMAL_DIST;

/**
 * Runs in the page before any of its scripts: resolves `window.__ready` with
 * `performance.now()` (ms since navigation start) when a button whose text
 * starts with "Generate" is in the DOM.
 */
export const READY_PROBE = `
window.__ready = new Promise((resolve) => {
  const found = () => [...document.querySelectorAll('button')].some((b) => /^\\s*Generate/.test(b.textContent));
  const check = (obs) => {
    if (!found()) return;
    resolve(performance.now());
    obs?.disconnect();
  };
  const obs = new MutationObserver(() => check(obs));
  obs.observe(document, { childList: true, subtree: true, characterData: true });
});
`;

/** Timings of one load: ready, DOMContentLoaded and when the wasm finished downloading. */
async function timeLoad(page, url, reload) {
  if (reload) await page.reload();
  else await page.goto(url);
  return page.evaluate(async () => {
    const ready = await window.__ready;
    const nav = performance.getEntriesByType('navigation')[0];
    const wasm = performance.getEntriesByType('resource').find((r) => r.name.endsWith('.wasm'));
    return { ready, dcl: nav?.domContentLoadedEventEnd ?? NaN, wasm: wasm?.responseEnd ?? NaN };
  });
}

/** One untraced first visit of `url` in a fresh profile. */
async function firstVisit(b, url) {
  const context = await b.newContext();
  try {
    await context.addInitScript(READY_PROBE);
    return await timeLoad(await context.newPage(), url, false);
  } finally {
    await context.close();
  }
}

/** One traced first visit: where its time went on the renderer's main thread, ms per kind. */
async function tracedLoad(b, url) {
  const context = await b.newContext();
  try {
    await context.addInitScript(READY_PROBE);
    const page = await context.newPage();
    const stop = await startTrace(context, page);
    await page.goto(url);
    const ready = await page.evaluate(() => window.__ready);
    return { ready, ...mainThreadBreakdown(await stop(), url, ready) };
  } finally {
    await context.close();
  }
}

/** The browser's own floor: a static page with the same button, no script at all. */
const FLOOR_HTML = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>floor</title></head><body><button>Generate</button></body></html>';

export async function run({ loads = 20, traced = 5 } = {}) {
  const emu = await startEmulator({ speed: 100 });
  const app = await serveApp({ config: configFor(emu.origin) });
  const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-floor-'));
  fs.writeFileSync(path.join(floorDir, 'index.html'), FLOOR_HTML);
  const floorApp = await serveApp({ config: {}, dir: floorDir });
  const minimalApp = MINIMAL_DIST && fs.existsSync(path.join(MINIMAL_DIST, 'index.html')) ? await serveApp({ config: configFor(emu.origin), dir: MINIMAL_DIST }) : null;
  const b = await browser();
  const cold = [];
  const warm = [];
  const floor = [];
  const minimal = [];
  const appTraces = [];
  const floorTraces = [];
  try {
    for (let i = 0; i < loads; i++) {
      // A fresh profile each time: empty HTTP and code caches (a first visit).
      const context = await b.newContext();
      await context.addInitScript(READY_PROBE);
      const page = await context.newPage();
      cold.push(await timeLoad(page, app.url, false));
      // The same profile again: a returning visitor (cached files, revalidated).
      warm.push(await timeLoad(page, app.url, true));
      await context.close();
      // The floors, measured the same way, interleaved so all see the same machine.
      floor.push(await firstVisit(b, floorApp.url));
      if (minimalApp) minimal.push(await firstVisit(b, minimalApp.url));
    }
    // Traced loads apart from the timed ones (tracing slows a load down).
    for (let i = 0; i < traced; i++) {
      appTraces.push(await tracedLoad(b, app.url));
      floorTraces.push(await tracedLoad(b, floorApp.url));
    }
  } finally {
    await app.close();
    await floorApp.close();
    await minimalApp?.close();
    await emu.stop();
    fs.rmSync(floorDir, { recursive: true, force: true });
  }
  const row = (name, xs) => {
    const ready = xs.map((x) => x.ready);
    return `| ${name} | ${ms(median(ready))} | ${ms(quantile(ready, 0.95))} | ${ms(Math.min(...ready))} | ${ms(Math.max(...ready))} | ${ms(median(xs.map((x) => x.dcl)))} | ${ms(median(xs.map((x) => x.wasm)))} |`;
  };
  const coldP95 = quantile(cold.map((x) => x.ready), 0.95);
  const coldMedian = median(cold.map((x) => x.ready));
  const met = coldMedian <= TARGET_MEDIAN_MS && coldP95 <= TARGET_P95_MS;
  const floorMedian = median(floor.map((x) => x.ready));
  const minimalMedian = minimal.length ? median(minimal.map((x) => x.ready)) : NaN;
  const minimalP95 = minimal.length ? quantile(minimal.map((x) => x.ready), 0.95) : NaN;
  const minimalNote = minimal.length
    ? `; the smallest Leptos page: median ${ms(minimalMedian)}, p95 ${ms(minimalP95)}`
    : '';
  const kinds = ['ready', ...KIND_NAMES];
  const breakdown = Object.fromEntries(
    kinds.map((k) => [k, { app: mean(appTraces.map((t) => t[k])), floor: mean(floorTraces.map((t) => t[k])) }]),
  );
  const breakdownRows = kinds
    .map((k) => {
      const { app: a, floor: f } = breakdown[k];
      const name = k === 'ready' ? '*navigation → ready (traced)*' : k;
      return `| ${name} | ${ms(a)} | ${ms(f)} | ${ms(a - f)} |`;
    })
    .join('\n');
  return {
    breakdown,
    coldMedian,
    coldP95,
    floorMedian,
    minimalMedian,
    summary: `| Start-up to an interactive form (first visit) | median ≤ ${TARGET_MEDIAN_MS} ms, p95 ≤ ${TARGET_P95_MS} ms | median ${ms(coldMedian)}, p95 ${ms(coldP95)} (a static page with no script: median ${ms(floorMedian)}${minimalNote}) | ${met ? 'met' : '**missed**'} |\n`,
    markdown: `### Start-up

Time from navigation to an interactive form (the wasm app mounted its Generate button), ${loads} loads,
the app served from loopback like a CDN (no compression), headless Chromium. *First visit*: a fresh
profile each time; *returning*: a reload in the same profile; *browser floor*: a static HTML page with
the same button and no script, measured the same way in the same run (what any page costs here: a new
renderer, navigation, parsing); *smallest Leptos page*: \`crates/avatar-bench/minimal-page\` (a Leptos CSR
counter that reads config.json with gloo-net and serde_json, built like the app), what any page built this
way costs. The app's own share is the difference.

| load | median | p95 | min | max | DOMContentLoaded (median) | wasm downloaded (median) |
|---|---:|---:|---:|---:|---:|---:|
${row('first visit', cold)}
${row('returning', warm)}
${row('browser floor (static page)', floor)}
${minimal.length ? `${row('smallest Leptos page (first visit)', minimal)}\n` : ''}
The app's own share, first visit: median ${ms(coldMedian - floorMedian)} over the floor${minimal.length ? `, ${ms(coldMedian - minimalMedian)} over the smallest Leptos page` : ''}.

Where a first visit's time goes: the renderer's main thread from navigation to ready, read from a
Chromium trace (\`tests/e2e/bench/trace.mjs\`; each event's own time, nested events once), mean of
${traced} traced first visits of each page, apart from the timed ones above (tracing slows a load). *wasm
compilation* is V8 compiling the module and, lazily, each function on its first call; *idle* is the main
thread waiting (network, other threads).

| main thread | app | static page | app − static |
|---|---:|---:|---:|
${breakdownRows}

Targets (first visits): median ≤ ${TARGET_MEDIAN_MS} ms: ${verdict(coldMedian, TARGET_MEDIAN_MS)}; p95 ≤ ${TARGET_P95_MS} ms: ${verdict(coldP95, TARGET_P95_MS)}.
`,
  };
}
