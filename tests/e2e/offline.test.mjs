// Installable and offline (issue 14): the service worker (dist/sw.js, written by
// deploy/package-dist from deploy/sw.js.in) keeps one build's files, so the page
// opens with no network and shows the history; it never keeps an API answer or a
// result link; a new deployment takes over at the next visit without mixing two
// builds; and it works from a sub-path behind nginx.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { journey, configFor, distDir, repoRoot, serveApp, startNginx, waitForAppReady, waitUntil, DEMO_KEY } from './harness.mjs';
import {
  choose, enter, field, generate, generateButton, readyShortSample, see, taskRow, trySample, waitForStatus,
} from './ui.mjs';

const HASHED = /-[0-9a-f]{8,16}(_bg)?\.(js|wasm|css|svg)$/;

/** The build id baked into a dist's sw.js. */
function buildId(dir) {
  const m = /^const BUILD = "([0-9a-f]{16})";$/m.exec(fs.readFileSync(path.join(dir, 'sw.js'), 'utf8'));
  assert.ok(m, `${dir}/sw.js names its build`);
  return m[1];
}

/** What a dist's worker must precache, as URLs under the page's address: its hashed files and the shell. */
function precacheOf(dir, pageUrl) {
  const hashed = fs.readdirSync(dir).filter((f) => HASHED.test(f));
  return [...hashed, './', 'boot.js', 'config.json', 'manifest.webmanifest'].map((f) => new URL(f, pageUrl).href).sort();
}

/** Resolves once a service worker controls the page; returns its registration's scope. */
function controlled(page) {
  // Polled from here: page.waitForFunction takes a Promise (an async predicate's answer) as truthy at once.
  return waitUntil(
    () => page.evaluate(async () => navigator.serviceWorker.controller && (await navigator.serviceWorker.getRegistration())?.scope),
    { timeoutMs: 30_000, what: 'a service worker in control of the page' },
  );
}

/**
 * The worker's caches as the page sees them: {cache name: [URL, …]}. Left out unless `all`: the page's
 * own saved copies of result videos (`avatar-studio@/.videos`, src/saved.rs, tests/e2e/saved.test.mjs)
 * and the decoy caches of another deployment (`/:b/`) that the update journey adds.
 */
function cacheContents(page, { all = false } = {}) {
  return page.evaluate(async (all) => {
    const out = {};
    for (const name of await caches.keys()) {
      if (all || !/\.videos$|^avatar-studio@\/:b\//.test(name)) out[name] = (await (await caches.open(name)).keys()).map((r) => r.url).sort();
    }
    return out;
  }, all);
}

/** Every cached URL is one of the deployment's own files: nothing from /api/, nothing from another origin. */
function assertOnlyOwnFiles(contents, pageUrl) {
  const origin = new URL(pageUrl).origin;
  for (const urls of Object.values(contents)) {
    for (const u of urls) {
      assert.equal(new URL(u).origin, origin, `${u} is cached: another origin (an API answer or a result link)`);
      assert.ok(!new URL(u).pathname.startsWith('/api/'), `${u} is cached: an API answer`);
      assert.ok(u.startsWith(pageUrl), `${u} is cached: outside the deployment ${pageUrl}`);
    }
  }
}

/** Which build the page runs: the stylesheet index.html names, and the marker only the second build's CSS sets. */
function running(page) {
  return page.evaluate(() => ({
    css: [...document.querySelectorAll('link[rel=stylesheet]')].map((l) => new URL(l.href).pathname.split('/').pop()),
    marker: getComputedStyle(document.documentElement).getPropertyValue('--build').trim(),
  }));
}

/** Records, per response, whether the service worker answered it (until `stop()`). */
function watchResponses(page) {
  const seen = [];
  const onResponse = (r) => seen.push({ url: r.url(), status: r.status(), fromSw: r.fromServiceWorker() });
  page.on('response', onResponse);
  return { seen, stop: () => page.off('response', onResponse) };
}

/**
 * A second deployment of the same app: dist/ with its stylesheet changed (a new
 * hashed name, index.html pointing at it with its integrity), packaged again by
 * deploy/package-dist as `make dist` does, so it gets a new sw.js and build id.
 */
async function secondBuild() {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'avatar-build2-'));
  await fsp.cp(distDir, dir, { recursive: true });
  const old = fs.readdirSync(dir).find((f) => /^main-[0-9a-f]+\.css$/.test(f));
  const css = `${fs.readFileSync(path.join(dir, old), 'utf8')}:root{--build:"2"}`;
  const name = `main-${createHash('sha256').update(css).digest('hex').slice(0, 16)}.css`;
  for (const f of [old, `${old}.br`, `${old}.gz`]) await fsp.rm(path.join(dir, f), { force: true });
  await fsp.writeFile(path.join(dir, name), css);
  const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  const integrity = `sha384-${createHash('sha384').update(css).digest('base64')}`;
  const next = html.replace(new RegExp(`href=\\./${old} integrity=[^ >]+`), `href=./${name} integrity=${integrity}`);
  assert.notEqual(next, html, 'index.html names the stylesheet');
  await fsp.writeFile(path.join(dir, 'index.html'), next);
  const packaged = spawnSync(path.join(repoRoot, 'deploy', 'package-dist'), [dir], { encoding: 'utf8' });
  assert.equal(packaged.status, 0, packaged.stderr);
  return { dir, css: name, old };
}

/** Points the served directory (a symlink) at another build, at once, as a deployment does. */
function deploy(link, target) {
  const tmp = `${link}.next`;
  fs.symlinkSync(target, tmp);
  fs.renameSync(tmp, link);
}

journey('Offline: after one visit the page opens with no network, the history is there and the form works', { open: false }, async (s) => {
  const { emu } = s;
  // The first visit: the worker is registered only after the app started.
  const order = [];
  s.context.on('request', (r) => { if (r.url().endsWith('/sw.js')) order.push('sw.js requested'); });
  s.context.on('requestfinished', (r) => { if (r.url().endsWith('_bg.wasm')) order.push('wasm loaded'); });
  const page = await s.newPage();
  assert.equal(await controlled(page), s.app.url, 'the worker controls the page, scope = the page\'s directory');
  const [loaded, registered] = [order.indexOf('wasm loaded'), order.indexOf('sw.js requested')];
  assert.ok(loaded !== -1 && registered > loaded, `the worker is fetched only after the app's code: ${order.join(', ')}`);

  // A real video, so the history holds a task with a result link (another origin).
  await readyShortSample(page, 'sk_demo');
  const id = await generate(page);
  await waitForStatus(page, id, 'completed');
  const videoUrl = await taskRow(page, id).locator('video').getAttribute('src');
  assert.ok(videoUrl.startsWith(emu.origin), 'the result link is the API\'s');

  const build = buildId(distDir);
  const caches = await cacheContents(page);
  assert.deepEqual(Object.keys(caches), [`avatar-studio@/:${build}`], 'one cache, this build\'s');
  assert.deepEqual(caches[`avatar-studio@/:${build}`], precacheOf(distDir, s.app.url), 'exactly the build\'s files');
  assertOnlyOwnFiles(caches, s.app.url);
  // The page (not the worker) kept a copy of the video, under its own name.
  await waitUntil(async () => (await cacheContents(page, { all: true }))['avatar-studio@/.videos']?.join() === videoUrl, { what: 'the saved copy of the video' });

  // No network at all: the browser is offline, and the page's server and the API are gone.
  await s.context.setOffline(true);
  await s.app.close();
  await s.emu.stop();
  const responses = watchResponses(page);
  await page.reload();
  await waitForAppReady(page);
  await waitForStatus(page, id, 'completed');
  // The result link is out of reach: the row plays the copy the page saved (src/saved.rs).
  await see(taskRow(page, id), 'You are offline: playing the copy saved in this browser.');
  await page.waitForFunction((id) => document.querySelector(`[data-task-id="${id}"] video`)?.currentSrc.startsWith('blob:'), id);
  await s.screenshot('offline', page);
  responses.stop();
  const own = responses.seen.filter((r) => r.url.startsWith(s.app.url));
  assert.ok(own.length >= 5, `the page's files were answered: ${JSON.stringify(own)}`);
  for (const r of own) assert.ok(r.fromSw && r.status === 200, `${r.url} came from the worker's cache (${JSON.stringify(r)})`);
  for (const r of responses.seen.filter((x) => !x.url.startsWith(s.app.url))) {
    assert.ok(!r.fromSw, `${r.url} (another origin) was answered by the worker`);
  }
  // The form works: config.json (its samples) came from the cache, and the cost follows the choices.
  await trySample(page);
  assert.equal(await field(page, 'Image URL').inputValue(), emu.sample('portrait-1.png'));
  await choose(page, 'Duration', /^\s*5\b/);
  await choose(page, 'Resolution', /^\s*1280/);
  await see(page, '2 credits/s × 5 s = 10 credits');
  assertOnlyOwnFiles(await cacheContents(page), s.app.url);
});

journey('Update: a new deployment takes over at the next visit, never mixing two builds, and old caches go', { open: false, timeout: 150_000 }, async (s) => {
  const second = await secondBuild();
  const site = await fsp.mkdtemp(path.join(os.tmpdir(), 'avatar-site-'));
  const link = path.join(site, 'current');
  deploy(link, distDir);
  const app = await serveApp({ config: configFor(s.emu.origin), dir: link });
  const first = buildId(distDir);
  const next = buildId(second.dir);
  assert.notEqual(first, next, 'the second build has its own id');
  try {
    const page = await s.newPage({ url: app.url });
    await controlled(page);
    assert.deepEqual(await running(page), { css: [second.old], marker: '' });
    await waitUntil(async () => Object.keys(await cacheContents(page)).join() === `avatar-studio@/:${first}`, { what: 'the first build cached' });
    // What the clean-up of older builds must never delete: the saved videos, and the caches of a
    // deployment under a sub-path whose name starts like ours (/:b/ on this origin).
    const keep = ['avatar-studio@/.videos', `avatar-studio@/:b/:${first}`, 'avatar-studio@/:b/.videos'];
    await page.evaluate((keep) => Promise.all(keep.map(async (name) => (await caches.open(name)).put('/kept', new Response('kept')))), keep);

    // Deployed. The first visit after it (a reload, the tab still open) gets the new page in full from
    // the network; the new worker installs beside the old one, which keeps the tab.
    deploy(link, second.dir);
    await page.reload();
    await waitForAppReady(page);
    assert.deepEqual(await running(page), { css: [second.css], marker: '"2"' }, 'the new build in full');
    await waitUntil(async () => Object.keys(await cacheContents(page)).sort().join() === [`avatar-studio@/:${first}`, `avatar-studio@/:${next}`].sort().join(), { what: 'the new build cached beside the old one' });
    await waitUntil(() => page.evaluate(async () => {
      const r = await navigator.serviceWorker.getRegistration();
      return Boolean(r.waiting && r.active && r.active === navigator.serviceWorker.controller);
    }), { what: 'the new worker waiting for the next visit, the old one still in charge' });
    // Offline now, the old worker serves its own build: old page with old files, never a mix.
    await s.context.setOffline(true);
    await page.reload();
    await waitForAppReady(page);
    assert.deepEqual(await running(page), { css: [second.old], marker: '' }, 'offline in the same tab: the old build, consistent');
    await s.context.setOffline(false);

    // The next visit (the tab was closed): the new worker has taken over and deleted the old cache.
    await page.close();
    const again = await s.newPage({ url: app.url });
    await controlled(again);
    assert.deepEqual(await running(again), { css: [second.css], marker: '"2"' });
    await waitUntil(async () => !(`avatar-studio@/:${first}` in (await cacheContents(again))), { what: 'the old build\'s cache deleted' });
    assert.deepEqual(Object.keys(await cacheContents(again, { all: true })).sort(), [`avatar-studio@/:${next}`, ...keep].sort(), 'only the old build\'s cache went');
    const caches = await cacheContents(again);
    assert.deepEqual(caches[`avatar-studio@/:${next}`], precacheOf(second.dir, app.url));
    assert.ok(await again.evaluate(async () => !(await navigator.serviceWorker.getRegistration()).waiting), 'nothing left waiting');

    // And with no network, that visit's build is what opens.
    await s.context.setOffline(true);
    await app.close();
    await again.reload();
    await waitForAppReady(again);
    assert.deepEqual(await running(again), { css: [second.css], marker: '"2"' }, 'offline: the new build, consistent');
  } finally {
    await app.close();
    await fsp.rm(site, { recursive: true, force: true });
    await fsp.rm(second.dir, { recursive: true, force: true });
  }
});

journey('Sub-path behind nginx: the worker\'s scope is /studio/, API calls through the proxy are never cached, the headers are right', {
  open: false,
  emulator: { noCors: true, keys: { sk_offline_proxy_key: 100 } },
  timeout: 150_000,
}, async (s) => {
  s.nginx = await startNginx({ basePath: '/studio/', proxy: s.emu.origin, key: 'sk_offline_proxy_key' });
  const { url, origin } = s.nginx;

  // How nginx serves the worker and the manifest: checked with the server each visit, the manifest's own type.
  const sw = await fetch(`${url}sw.js`);
  assert.equal(sw.status, 200);
  assert.equal(sw.headers.get('cache-control'), 'no-cache');
  assert.match(sw.headers.get('content-type'), /javascript/);
  assert.match(sw.headers.get('content-security-policy'), /^default-src 'self';/);
  const manifest = await fetch(`${url}manifest.webmanifest`);
  assert.equal(manifest.status, 200);
  assert.equal(manifest.headers.get('content-type'), 'application/manifest+json');
  assert.equal(manifest.headers.get('cache-control'), 'no-cache');
  assert.match(manifest.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  const app = await manifest.json();
  assert.equal(app.start_url, './');
  assert.equal(app.scope, './');
  for (const icon of app.icons) {
    const r = await fetch(new URL(icon.src, `${url}manifest.webmanifest`));
    assert.equal(r.status, 200, icon.src);
    assert.equal(r.headers.get('content-type'), 'image/png', icon.src);
  }
  assert.ok(app.icons.some((i) => i.sizes === '192x192') && app.icons.some((i) => i.sizes === '512x512' && i.purpose === 'maskable'));

  const page = await s.newPage({ url });
  assert.equal(await controlled(page), `${origin}/studio/`, 'the worker registered with the page\'s directory as its scope');
  assert.equal(await page.evaluate(() => document.querySelector('link[rel=manifest]').href), `${url}manifest.webmanifest`);

  // A video through the same-origin proxy, with the worker in control: /api/ is the page's own origin here.
  const responses = watchResponses(page);
  await enter(page, 'Image URL', s.emu.sample('portrait-1.png'));
  await enter(page, 'Audio URL', s.emu.sample('speech-1.mp3'));
  await choose(page, 'Duration', /^\s*5\b/);
  await choose(page, 'Resolution', /^\s*720/);
  const id = await generate(page);
  await waitForStatus(page, id, 'completed', 90_000);
  responses.stop();
  const api = responses.seen.filter((r) => r.url.startsWith(`${origin}/api/`));
  assert.ok(api.length >= 2, `the submit and status checks went to ${origin}/api/`);
  for (const r of api) assert.ok(!r.fromSw, `${r.url} was answered by the worker`);

  const caches = await cacheContents(page);
  assert.deepEqual(Object.keys(caches), [`avatar-studio@/studio/:${buildId(distDir)}`], 'the cache is named after the deployment\'s path');
  assert.deepEqual(Object.values(caches)[0], precacheOf(distDir, url));
  assertOnlyOwnFiles(caches, url);

  // nginx gone: the page still opens from the cache at /studio/, with its task.
  await s.context.setOffline(true);
  await s.nginx.stop();
  await page.reload();
  await waitForAppReady(page);
  await waitForStatus(page, id, 'completed');
});

journey('The network drops while a task runs: Generate and the row say offline, nothing is sent, both resume when it is back', {
  emulator: { speed: 3 },
}, async (s) => {
  const { page, emu } = s;
  const OFFLINE = 'You are offline: Generate and status checks resume when the network is back.';
  await readyShortSample(page, DEMO_KEY);
  const id = await generate(page);
  const row = await waitForStatus(page, id, 'pending').catch(() => waitForStatus(page, id, 'processing'));
  const sent = [];
  page.on('request', (r) => { if (r.url().startsWith(emu.origin)) sent.push(`${r.method()} ${r.url()}`); });

  await s.context.setOffline(true);
  await see(page.locator('#submit-reason'), OFFLINE);
  await see(row, OFFLINE);
  await page.waitForTimeout(150);
  // Only aria-disabled: a person can still press it, and is told why nothing happens.
  await generateButton(page).click({ force: true });
  await see(page.locator('.notice.error'), OFFLINE);
  // A person waits a little: no check and no submit leave the page meanwhile.
  await page.waitForTimeout(3_000);
  assert.deepEqual(sent, [], 'nothing was sent while offline');
  assert.equal((await emu.tasks()).length, 1);

  await s.context.setOffline(false);
  // Back online: the task is checked at once, not at its next scheduled time.
  await waitUntil(() => sent.some((r) => r.startsWith('GET') && r.includes(`/tasks/${id}`)), { timeoutMs: 2_000, what: 'a check right after the network came back' });
  assert.ok(!sent.some((r) => r.startsWith('POST')), 'coming back sends nothing by itself');
  assert.ok(!(await page.locator('#submit-reason').innerText()).includes('offline'), 'Generate is no longer held');
  await waitForStatus(page, id, 'completed');
  assert.equal((await emu.tasks()).length, 1, 'one task in all');
});
