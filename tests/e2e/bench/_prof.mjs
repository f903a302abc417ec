import { browser, configFor, serveApp, startEmulator } from '../harness.mjs';
import { READY_PROBE } from './startup.mjs';
const N = Number(process.env.N || 0);
const emu = await startEmulator({ speed: 100 });
const app = await serveApp({ config: configFor(emu.origin), dir: process.env.DIST });
const b = await browser();
const now = Date.now();
const tasks = Array.from({ length: N }, (_, i) => ({ task_id: `b${i}`, model: 'avatar-pro', request: { image_url: emu.sample('portrait-1.png'), audio_url: emu.sample('speech-1.mp3'), duration: 5, resolution: 720, framerate: 25 }, credits: 8, submitted_ms: now - (i + 1) * 600000, status: 'completed', progress: 1, video_url: emu.sample('talking.mp4'), error: null, finished_ms: now, unknown: false, check_problem: null }));
const self = new Map();
let readySum = 0;
for (let i = 0; i < 5; i++) {
  const ctx = await b.newContext();
  await ctx.addInitScript(READY_PROBE);
  const page = await ctx.newPage();
  await page.goto(app.url + 'config.json');
  if (N) await page.evaluate((env) => localStorage.setItem('avatar-studio.tasks', env), JSON.stringify({ version: 2, tasks, history: [] }));
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  await page.goto(app.url);
  readySum += await page.evaluate(() => window.__ready);
  const { profile } = await cdp.send('Profiler.stop');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = profile.timeDeltas;
  profile.samples.forEach((id, k) => {
    const n = byId.get(id);
    const name = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}`;
    self.set(name, (self.get(name) || 0) + (dt[k] || 0) / 1000);
  });
  await ctx.close();
}
console.log('mean ready', (readySum / 5).toFixed(1));
const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 45);
for (const [n, t] of top) console.log((t / 5).toFixed(2).padStart(8), n.slice(0, 150));
await app.close(); await emu.stop(); process.exit(0);
