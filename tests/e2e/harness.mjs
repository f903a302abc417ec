// The end-to-end harness: a real emulator per test, the built app served from
// another loopback origin, and headless Chromium driven by playwright-core.
//
// Shared by the journeys (tests/e2e/*.test.mjs) and the benchmarks. Nothing
// here sleeps: every wait is a condition (a stdout line, an HTTP answer, a
// locator, a function evaluated in the page) with a deadline.

import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as nodeTest, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The repository root (tests/e2e/../..). */
export const repoRoot = path.resolve(here, '..', '..');

/** The emulator binary: $AVATAR_EMULATOR_BIN, else the release build of this repo. */
export const emulatorBin =
  process.env.AVATAR_EMULATOR_BIN ||
  path.join(process.env.CARGO_TARGET_DIR || path.join(repoRoot, 'target'), 'release', 'avatar-emulator');

/** The built app: $AVATAR_DIST, else <repo>/dist (`make dist`). */
export const distDir = process.env.AVATAR_DIST || path.join(repoRoot, 'dist');

/**
 * Where the run saves screenshots of the main states: tests/e2e/test-results/screenshots,
 * or docs/screenshots for the README with `make screenshots` (so `make test` leaves the tree clean).
 */
export const screenshotDir = process.env.AVATAR_SCREENSHOTS_DIR || path.join(here, 'test-results', 'screenshots');

/** Where failing journeys leave a screenshot and logs. */
export const resultsDir = path.join(here, 'test-results');

/** The browser: Debian's Chromium (downloads are impossible here). */
export const chromiumPath = process.env.AVATAR_CHROMIUM || '/usr/bin/chromium';

/** Emulator speed factor for the suite: seconds instead of the provider's minutes. */
export const SPEED = Number(process.env.AVATAR_E2E_SPEED || 100);

/**
 * Makes the emulator's sample media once into `dir` (shared by every journey
 * of a run through $AVATAR_E2E_SAMPLES_DIR, so each emulator starts quickly).
 */
export async function warmSamples(dir) {
  const emu = await startEmulator({ samplesDir: dir });
  try {
    const list = await emu.getJson('/samples/');
    const files = (Array.isArray(list) ? list : list.samples || list.files || []).map((f) => (typeof f === 'string' ? f : f.name || f.file || f.url));
    for (const f of files) {
      const res = await fetch(new URL(f, `${emu.origin}/samples/`));
      await res.arrayBuffer();
    }
    return files.length;
  } finally {
    await emu.stop();
    await fsp.rm(emu.dir, { recursive: true, force: true });
  }
}

/** The demo key every journey uses unless it needs another. */
export const DEMO_KEY = 'sk_demo';

/** Viewports the page must work in. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 360, height: 740 },
};

const children = new Set();
const tempDirs = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  if (!process.env.AVATAR_E2E_KEEP) for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Ports

/** A free TCP port on 127.0.0.1 (the kernel picks it; we release it at once). */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

// ---------------------------------------------------------------------------
// The emulator

/**
 * Starts `avatar-emulator` with its own data dir and state file and resolves
 * once it printed `listening on http://ADDR`.
 *
 * options: keys ({sk_demo: 500}), speed, progress ('rising'|'null'),
 * failRate, errorRate, latency, rateLimit, retryAfter, quirks (['html-errors', …]),
 * slowSubmitMs, noCors, resultTtl (seconds until a result link answers 410), seed, port (0 = any),
 * dir (tmp dir holding data/ and state.json),
 * args (extra CLI arguments).
 */
export async function startEmulator(options = {}) {
  let dir = options.dir;
  if (!dir) {
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'avatar-e2e-'));
    tempDirs.add(dir); // removed at exit at the latest (unless AVATAR_E2E_KEEP)
  }
  const emu = new Emulator({ ...options, dir });
  await emu.start();
  return emu;
}

export class Emulator {
  constructor(options) {
    this.options = options;
    this.dir = options.dir;
    this.port = options.port || 0;
    this.log = [];
    this.proc = null;
    this.url = null;
  }

  args() {
    const o = this.options;
    const keys = o.keys || { [DEMO_KEY]: 500 };
    const args = [
      '--listen', `127.0.0.1:${this.port}`,
      '--speed', String(o.speed ?? SPEED),
      '--data-dir', path.join(this.dir, 'data'),
      '--state', path.join(this.dir, 'state.json'),
      '--seed', String(o.seed ?? 7),
    ];
    for (const [key, credits] of Object.entries(keys)) args.push('--key', `${key}=${credits}`);
    if (o.progress) args.push('--progress', o.progress);
    if (o.failRate != null) args.push('--fail-rate', String(o.failRate));
    if (o.errorRate != null) args.push('--error-rate', String(o.errorRate));
    if (o.latency != null) args.push('--latency', String(o.latency));
    if (o.rateLimit != null) args.push('--rate-limit', String(o.rateLimit));
    if (o.retryAfter != null) args.push('--retry-after', String(o.retryAfter));
    // The real API's ways (crates/avatar-emulator/README.md, "Quirks"): ['html-errors', 'wrapped', …] or 'a,b'.
    const quirks = [].concat(o.quirks ?? []).join(',');
    if (quirks) args.push('--quirks', quirks);
    if (o.slowSubmitMs != null) args.push('--slow-submit-ms', String(o.slowSubmitMs));
    if (o.noCors) args.push('--no-cors');
    if (o.subtitleField) args.push('--subtitle-field', o.subtitleField);
    if (o.resultTtl != null) args.push('--result-ttl', String(o.resultTtl));
    const samples = o.samplesDir ?? process.env.AVATAR_E2E_SAMPLES_DIR;
    if (samples) args.push('--samples-dir', samples);
    return args.concat(o.args || []);
  }

  /** Starts the process (again, on the same port and state after `stop`). */
  async start({ timeoutMs = 60_000 } = {}) {
    if (!fs.existsSync(emulatorBin)) {
      throw new Error(`emulator binary not found at ${emulatorBin}: run \`make emulator\` or set AVATAR_EMULATOR_BIN`);
    }
    // A restart on a fixed port may race the old socket's release: retry a few times.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.spawnOnce(timeoutMs);
        return this;
      } catch (err) {
        if (this.port === 0 || attempt >= 5 || !/in use|AddrInUse|bind/i.test(String(err))) throw err;
      }
    }
  }

  spawnOnce(timeoutMs) {
    const proc = spawn(emulatorBin, this.args(), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    this.proc = proc;
    const remember = (prefix) => (chunk) => {
      for (const line of String(chunk).split('\n')) if (line) this.log.push(prefix + line);
      if (this.log.length > 4000) this.log.splice(0, this.log.length - 4000);
    };
    proc.stderr.on('data', remember(''));
    return new Promise((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => fail(new Error(`emulator did not report its address within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err) => {
        clearTimeout(timer);
        proc.kill('SIGKILL');
        reject(new Error(`${err.message}\n--- emulator log ---\n${this.log.slice(-30).join('\n')}`));
      };
      proc.stdout.on('data', (chunk) => {
        remember('')(chunk);
        if (this.url) return;
        buffered += chunk;
        const m = buffered.match(/listening on (http:\/\/[^\s]+)/);
        if (m) {
          clearTimeout(timer);
          this.url = m[1].replace(/\/$/, '');
          this.port = Number(new URL(this.url).port);
          resolve(this);
        }
      });
      proc.once('exit', (code, signal) => {
        children.delete(proc);
        if (!this.url) fail(new Error(`emulator exited early (code ${code}, signal ${signal})`));
      });
      proc.once('error', fail);
    });
  }

  /** Stops the process (SIGTERM, then SIGKILL) and waits until it has exited. */
  async stop() {
    const proc = this.proc;
    this.url = this.url && null;
    await endProcess(proc, 'SIGTERM');
  }

  /** Stops and starts again on the same port and state file. */
  async restart() {
    const port = this.port;
    await this.stop();
    this.port = port;
    await this.start();
  }

  get origin() {
    return `http://127.0.0.1:${this.port}`;
  }

  async getJson(p) {
    const res = await fetch(this.origin + p);
    if (!res.ok) throw new Error(`GET ${p} → ${res.status}: ${await res.text()}`);
    return res.json();
  }

  /** The key's ledger: {credits, charged, refunded}. */
  account(key = DEMO_KEY) {
    return this.getJson(`/_emulator/accounts/${encodeURIComponent(key)}`);
  }

  /** Every task the emulator knows, as listed by /_emulator/tasks. */
  async tasks() {
    return (await this.getJson('/_emulator/tasks')).tasks;
  }

  /** Calls the public API with a key, as a client would. */
  api(p, { key = DEMO_KEY, method = 'GET', body } = {}) {
    const headers = { Authorization: `Bearer ${key}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return fetch(this.origin + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  /** Waits until `predicate(await this.tasks())` is truthy; returns its value. */
  async waitForTasks(predicate, { timeoutMs = 60_000, what = 'emulator tasks' } = {}) {
    return waitUntil(async () => predicate(await this.tasks()), { timeoutMs, what });
  }

  sample(file) {
    return `${this.origin}/samples/${file}`;
  }
}

/** Ends a child process with `signal` (SIGKILL after 5 s) and waits until it has exited. */
async function endProcess(proc, signal) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, 'exit');
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Polls an async condition until it returns a truthy value (a deadline, not a
 * sleep: each round waits for the previous HTTP answer, then yields briefly).
 */
export async function waitUntil(condition, { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// ---------------------------------------------------------------------------
// The app, served like a CDN would serve dist/

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The config.json a deployment in front of this emulator would ship (see BRIEF). */
export function configFor(apiBase, overrides = {}) {
  const s = (f) => `${apiBase}/samples/${f}`;
  return {
    api_base: apiBase,
    auth: 'key',
    samples: [
      { label: 'Portrait 1 · short speech', image_url: s('portrait-1.png'), audio_url: s('speech-1.mp3') },
      { label: 'Portrait 2 · longer speech', image_url: s('portrait-2.png'), audio_url: s('speech-2.mp3') },
    ],
    dual_sample: {
      dual_image_url: s('dual.png'),
      audio_mix_url: s('conversation-mix.mp3'),
      audio1_url: s('speaker-1.mp3'),
      audio2_url: s('speaker-2.mp3'),
    },
    video_sample: s('talking.mp4'),
    voices: [
      { label: 'Voice 1', url: s('voice-1.wav') },
      { label: 'Voice 2', url: s('voice-2.wav') },
    ],
    ...overrides,
  };
}

/**
 * Serves `dist/` on 127.0.0.1 (another origin than the emulator) under
 * `basePath`, answering `config.json` with the given object.
 */
export async function serveApp({ config, basePath = '/', dir = distDir } = {}) {
  if (!fs.existsSync(path.join(dir, 'index.html'))) {
    throw new Error(`no built app at ${dir}: run \`make dist\` or set AVATAR_DIST`);
  }
  const root = path.resolve(dir);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    let rel = decodeURIComponent(url.pathname);
    if (!rel.startsWith(basePath)) {
      res.writeHead(404).end('not found');
      return;
    }
    rel = rel.slice(basePath.length);
    if (rel === 'config.json') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(config));
      return;
    }
    let file = path.resolve(root, rel || 'index.html');
    if (!file.startsWith(root + path.sep) && file !== root) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      const stat = await fsp.stat(file);
      if (stat.isDirectory()) file = path.join(file, 'index.html');
      const body = await fsp.readFile(file);
      const type = TYPES[path.extname(file)] || 'application/octet-stream';
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}${basePath}`;
  return {
    url,
    server,
    async close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

// ---------------------------------------------------------------------------
// The app behind a real nginx, configured as README.md's deployment section says

/** Debian's nginx (.ci/tools.sh installs it, with its brotli_static module). */
export const nginxBin = process.env.AVATAR_NGINX || '/usr/sbin/nginx';

/**
 * Runs deploy/configure --standalone into a temp prefix and starts nginx on
 * it (loopback, no root paths), serving `dist` at `basePath`; with `proxy`
 * (the API's base URL) and `key`, also the same-origin proxy, the key given
 * to configure in a file as a deployer would. Resolves once the page answers.
 * Returns {url, origin, dir, accessLog(), stop()}.
 */
export async function startNginx({ basePath = '/', proxy, key, dist = distDir } = {}) {
  if (!fs.existsSync(nginxBin)) throw new Error(`nginx not found at ${nginxBin}: run .ci/tools.sh test (or set AVATAR_NGINX)`);
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'avatar-nginx-'));
  tempDirs.add(dir);
  const port = await freePort();
  const args = ['--dist', dist, '--out', dir, '--base-path', basePath, '--listen', `127.0.0.1:${port}`, '--standalone'];
  if (proxy) {
    const keyFile = path.join(dir, 'api-key');
    await fsp.writeFile(keyFile, `${key}\n`, { mode: 0o600 });
    args.push('--proxy', proxy, '--key-file', keyFile);
  }
  const configured = spawnSync(path.join(repoRoot, 'deploy', 'configure'), args, { encoding: 'utf8' });
  if (configured.status !== 0) throw new Error(`deploy/configure failed: ${configured.stderr || configured.stdout}`);
  const proc = spawn(nginxBin, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'logs', 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(proc);
  let stderr = '';
  proc.stderr.on('data', (c) => { stderr += c; });
  proc.once('exit', () => children.delete(proc));
  const origin = `http://127.0.0.1:${port}`;
  const url = origin + basePath;
  await waitUntil(async () => {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
    return (await fetch(url)).ok;
  }, { timeoutMs: 15_000, what: `nginx at ${url}` }).catch((err) => {
    proc.kill('SIGKILL');
    throw new Error(`${err.message}\n${stderr}`);
  });
  return {
    url,
    origin,
    dir,
    /** The access log's lines so far. */
    accessLog: () => fs.readFileSync(path.join(dir, 'logs', 'access.log'), 'utf8').split('\n').filter(Boolean),
    /** Stops nginx gracefully (SIGQUIT), then for good. */
    stop: () => endProcess(proc, 'SIGQUIT'),
  };
}

// ---------------------------------------------------------------------------
// The browser

let browserPromise = null;

/** One headless Chromium per test file (contexts keep tests apart). */
export function browser() {
  if (!browserPromise) {
    browserPromise = chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
  }
  return browserPromise;
}

export async function closeBrowser() {
  if (browserPromise) {
    const b = await browserPromise;
    browserPromise = null;
    await b.close();
  }
}

// ---------------------------------------------------------------------------
// A journey: emulator + app + browser context, torn down afterwards

/**
 * Declares one end-to-end journey. `fn(studio, t)` gets a fresh emulator,
 * the app served against it, and a page already open on the app.
 *
 * options: emulator options (see startEmulator), viewport ('desktop'|'phone'
 * or {width,height}), config (overrides for config.json), basePath,
 * timeout (ms, default 120 s), open (false: don't open a page), clock (true:
 * install Playwright's controllable clock in the page before it loads).
 */
let closeRegistered = false;

export function journey(name, options, fn) {
  if (typeof options === 'function') [options, fn] = [{}, options];
  if (!closeRegistered) {
    after(closeBrowser);
    closeRegistered = true;
  }
  return nodeTest(name, { timeout: options.timeout ?? 120_000 }, async (t) => {
    const studio = await Studio.start(options);
    try {
      await fn(studio, t);
      studio.assertNoPageErrors();
    } catch (err) {
      await studio.saveFailure(name).catch(() => {});
      throw err;
    } finally {
      await studio.close();
    }
  });
}

export class Studio {
  static async start(options = {}) {
    const s = new Studio(options);
    s.emu = await startEmulator(options.emulator || {});
    s.app = await serveApp({ config: configFor(s.emu.origin, options.config), basePath: options.basePath });
    const viewport = typeof options.viewport === 'object' ? options.viewport : VIEWPORTS[options.viewport || 'desktop'];
    s.context = await (await browser()).newContext({
      viewport,
      deviceScaleFactor: 1,
      isMobile: options.viewport === 'phone',
      hasTouch: options.viewport === 'phone',
      colorScheme: options.colorScheme || 'light',
      reducedMotion: 'reduce',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    s.context.setDefaultTimeout(15_000);
    if (options.open !== false) s.page = await s.newPage();
    return s;
  }

  constructor(options) {
    this.options = options;
    this.pageErrors = [];
    this.consoleLines = [];
    this.pages = [];
  }

  /** Opens another tab of the same browser profile on the app (shares localStorage). */
  async newPage({ url, clock = this.options.clock } = {}) {
    const page = await this.context.newPage();
    this.watch(page);
    // A controllable clock (page.clock.fastForward) for journeys about time.
    if (clock) await page.clock.install();
    const broken = [];
    const onResponse = (r) => { if (r.status() >= 400) broken.push(`${r.status()} ${r.url()}`); };
    page.on('response', onResponse);
    await page.goto(url || this.app.url);
    await waitForAppReady(page).catch((err) => {
      const hint = this.options.basePath && broken.length ? ' — served from a sub-path, the build needs relative asset URLs (trunk --public-url ./)' : '';
      throw new Error(`the app did not start${broken.length ? ` (failed loads: ${broken.join(', ')})` : ''}${hint}: ${err.message.split('\n')[0]}`);
    });
    page.off('response', onResponse);
    return page;
  }

  watch(page) {
    this.pages.push(page);
    const tag = `tab${this.pages.length}`;
    page.on('pageerror', (err) => this.pageErrors.push(`${tag}: ${err.message}`));
    page.on('console', (msg) => {
      const line = `${tag} ${msg.type()}: ${msg.text()}`;
      this.consoleLines.push(line);
      if (/panicked at|RuntimeError: unreachable|Content Security Policy/i.test(msg.text())) this.pageErrors.push(line);
    });
  }

  /** Fails the journey on an uncaught exception, a wasm panic or a CSP violation in any tab. */
  assertNoPageErrors() {
    if (this.pageErrors.length) {
      throw new Error(`the page reported errors:\n${this.pageErrors.join('\n')}`);
    }
  }

  async saveFailure(name) {
    const slug = name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
    await fsp.mkdir(resultsDir, { recursive: true });
    for (const [i, page] of this.pages.entries()) {
      if (!page.isClosed()) await page.screenshot({ path: path.join(resultsDir, `${slug}-tab${i + 1}.png`), fullPage: true }).catch(() => {});
    }
    const log = [
      `# ${name}`,
      '## page console', ...this.consoleLines.slice(-200),
      '## emulator log', ...(this.emu?.log.slice(-200) || []),
      ...(this.nginx ? ['## nginx access log', ...this.nginx.accessLog().slice(-100)] : []),
    ].join('\n');
    await fsp.writeFile(path.join(resultsDir, `${slug}.log`), log);
    console.error(`diagnostics: ${path.join(resultsDir, slug)}.{log,png}`);
  }

  async close() {
    await this.context?.close().catch(() => {});
    await this.nginx?.stop().catch(() => {});
    await this.app?.close().catch(() => {});
    await this.emu?.stop().catch(() => {});
    if (this.emu?.dir && !process.env.AVATAR_E2E_KEEP) await fsp.rm(this.emu.dir, { recursive: true, force: true }).catch(() => {});
  }

  /**
   * Saves a screenshot of what the user sees (the viewport, or `fullPage`)
   * as <screenshotDir>/<name>.png; `at` is scrolled into view first,
   * else the page is scrolled to the top.
   */
  async screenshot(name, page = this.page, { fullPage = false, at } = {}) {
    await fsp.mkdir(screenshotDir, { recursive: true });
    // Tables scrolled sideways by typing into their last column show from their start.
    await page.evaluate(() => document.querySelectorAll('*').forEach((e) => { if (e.scrollLeft) e.scrollLeft = 0; }));
    if (at) await at.scrollIntoViewIfNeeded();
    else await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage, animations: 'disabled', caret: 'hide' });
  }
}

/** Resolves when the app has mounted: its submit button, and the task list built just after it. */
export async function waitForAppReady(page) {
  await page.getByRole('button', { name: /^Generate/ }).waitFor({ state: 'visible', timeout: 30_000 });
  // The list (and compare, the credit log) are built one task after the form (src/app.rs `AfterTheForm`).
  await page.locator('section.tasks').waitFor({ state: 'attached', timeout: 30_000 });
}
