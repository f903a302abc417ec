import { browser, configFor, serveApp, startEmulator } from '../harness.mjs';
import { READY_PROBE } from './startup.mjs';
import { median, quantile } from './stats.mjs';
const emu = await startEmulator({ speed: 100 });
const A = await serveApp({ config: configFor(emu.origin), dir: process.env.A });
const B = await serveApp({ config: configFor(emu.origin), dir: process.env.B });
const b = await browser();
const out = { A: [], B: [] };
for (let i = 0; i < Number(process.env.LOADS || 20); i++) {
  for (const [name, srv] of [['A', A], ['B', B]]) {
    const ctx = await b.newContext();
    await ctx.addInitScript(READY_PROBE);
    const page = await ctx.newPage();
    await page.goto(srv.url);
    out[name].push(await page.evaluate(() => window.__ready));
    await ctx.close();
  }
}
for (const k of ['A', 'B']) console.log(k, 'median', median(out[k]).toFixed(1), 'p95', quantile(out[k], 0.95).toFixed(1));
await A.close(); await B.close(); await emu.stop(); process.exit(0);
