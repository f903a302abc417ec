// Lighthouse (npm `lighthouse`, run by `make bench` with Debian's Chromium,
// offline) on the built page as deployed: served by the nginx deployment
// (deploy/configure: brotli, the security headers, caching), a first visit.
// Mobile (Lighthouse's default: a mid-range phone, simulated slow 4G and 4×
// CPU slowdown) and desktop (`--preset=desktop`), the median of RUNS runs of
// each, by performance score.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromiumPath, startNginx } from '../harness.mjs';
import { median } from './stats.mjs';

/** Runs per form factor (Lighthouse's own advice: the median of several). */
const RUNS = 3;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];
/** Issue 16's aims. */
const AIMS = { accessibility: 100, 'best-practices': 95, mobile: 90 };

/** One run; Lighthouse sometimes loses its own trace (NO_NAVSTART, NO_FCP): such a run is made again, once. */
function lighthouse(url, preset) {
  try {
    return lighthouseOnce(url, preset);
  } catch (err) {
    if (!/Runtime error|NO_NAVSTART|NO_FCP/.test(String(err.message))) throw err;
    console.error(`lighthouse ${preset}: ${err.message}; running it again`);
    return lighthouseOnce(url, preset);
  }
}

function lighthouseOnce(url, preset) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avatar-lighthouse-'));
  const report = path.join(dir, 'report.json');
  const flags = [
    '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', `--user-data-dir=${path.join(dir, 'profile')}`,
  ];
  const args = [url, '--quiet', '--output=json', `--output-path=${report}`, `--only-categories=${CATEGORIES.join(',')}`, `--chrome-flags=${flags.join(' ')}`];
  if (preset === 'desktop') args.push('--preset=desktop');
  const done = spawnSync('lighthouse', args, { encoding: 'utf8', env: { ...process.env, CHROME_PATH: chromiumPath }, timeout: 180_000 });
  try {
    if (done.error) throw new Error(`lighthouse could not run (make bench installs it): ${done.error.message}`);
    if (done.status !== 0 || !fs.existsSync(report)) throw new Error(`lighthouse failed: ${(done.stderr || done.stdout).slice(-500)}`);
    const lhr = JSON.parse(fs.readFileSync(report, 'utf8'));
    if (lhr.runtimeError) throw new Error(`lighthouse: ${lhr.runtimeError.message}`);
    const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(lhr.categories[c].score * 100)]));
    const metric = (id) => lhr.audits[id]?.numericValue;
    // What kept a score below 100: the scored audits of these categories below 0.9, by title.
    const scored = new Set(CATEGORIES.flatMap((c) => lhr.categories[c].auditRefs.filter((r) => r.weight > 0).map((r) => r.id)));
    const failed = [...scored]
      .map((id) => lhr.audits[id])
      .filter((a) => a && a.score !== null && a.score < 0.9)
      .map((a) => `${a.title}${a.displayValue ? ` (${a.displayValue})` : ''}`);
    return { scores, fcp: metric('first-contentful-paint'), lcp: metric('largest-contentful-paint'), tbt: metric('total-blocking-time'), tti: metric('interactive'), failed };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ms = (v) => (Number.isFinite(v) ? `${Math.round(v)} ms` : 'n/a');

export async function run() {
  const nginx = await startNginx({ basePath: '/' });
  const results = {};
  try {
    for (const preset of ['mobile', 'desktop']) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(lighthouse(nginx.url, preset));
      const byPerf = [...runs].sort((a, b) => a.scores.performance - b.scores.performance);
      results[preset] = { median: byPerf[Math.floor(RUNS / 2)], runs };
    }
  } finally {
    await nginx.stop();
  }
  const rows = ['mobile', 'desktop'].map((p) => {
    const { median: m, runs } = results[p];
    const perf = runs.map((r) => r.scores.performance).join(', ');
    return `| ${p} | ${m.scores.performance} (runs: ${perf}) | ${m.scores.accessibility} | ${m.scores['best-practices']} | ${ms(m.fcp)} | ${ms(m.lcp)} | ${ms(m.tbt)} | ${ms(m.tti)} |`;
  });
  const failed = [...new Set(['mobile', 'desktop'].flatMap((p) => results[p].median.failed))];
  const m = results.mobile.median.scores;
  const d = results.desktop.median.scores;
  const met = m.accessibility >= AIMS.accessibility && d.accessibility >= AIMS.accessibility
    && m['best-practices'] >= AIMS['best-practices'] && d['best-practices'] >= AIMS['best-practices']
    && m.performance >= AIMS.mobile;
  const summary = `| Lighthouse (mobile / desktop) | aim: accessibility 100, best practices ≥ 95, mobile performance ≥ 90 | performance ${m.performance} / ${d.performance}, accessibility ${m.accessibility} / ${d.accessibility}, best practices ${m['best-practices']} / ${d['best-practices']} | ${met ? 'met' : '**missed**'} |\n`;
  const markdown = `### Lighthouse

Lighthouse ${lighthouseVersion()} (npm, \`make bench\` installs it) driving \`${chromiumPath}\` headless, offline, on the
release \`dist/\` served by the nginx deployment (\`deploy/configure\`: brotli, the security headers) from
loopback: a first visit, ${RUNS} runs per form factor, the run with the median performance score shown.
*Mobile* is Lighthouse's default (a mid-range phone: simulated slow 4G, 4× CPU slowdown); *desktop* is
\`--preset=desktop\`. Times are Lighthouse's (simulated for mobile).

| form factor | performance | accessibility | best practices | FCP | LCP | TBT | TTI |
|---|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

Audits below 90 in a median run: ${failed.length ? failed.map((t) => `*${t}*`).join('; ') : 'none'}.
`;
  return { results, markdown, summary };
}

function lighthouseVersion() {
  const done = spawnSync('lighthouse', ['--version'], { encoding: 'utf8' });
  return (done.stdout || '').trim() || '(unknown version)';
}
