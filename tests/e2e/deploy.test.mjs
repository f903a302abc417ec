// The deployment as README.md's "Deploying with nginx" describes it: deploy/configure,
// Debian's nginx on loopback (its own temp prefix), the page at /studio/ and the
// same-origin proxy adding the deployment's key, in front of an emulator that
// sends no CORS headers at all (so only same-origin calls can work).

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { once } from 'node:events';
import path from 'node:path';
import zlib from 'node:zlib';
import { journey, startNginx, distDir, freePort } from './harness.mjs';
import { assertPlayableVideo, choose, enter, generate, see, waitForCost, waitForStatus } from './ui.mjs';

/** The deployment's key: only the key file and the emulator know it. */
const KEY = `sk_deploy_${randomBytes(12).toString('hex')}`;
const BASE = '/studio/';

/** A raw HTTP request: exactly the headers given (Node adds no Sec-Fetch-*), the body as bytes. */
function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const json = (r) => JSON.parse(r.body.toString());
const proRequest = (emu) => ({ image_url: emu.sample('portrait-1.png'), audio_url: emu.sample('speech-1.mp3'), duration: 5, resolution: 720 });

/** Every file under dir. */
function files(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Asserts the key is in no header and no body of the answers. */
function assertKeyNeverSent(answers) {
  assert.ok(answers.length > 0, 'answers were recorded');
  for (const a of answers) {
    assert.ok(!JSON.stringify(a.headers).includes(KEY), `the key is in the headers of ${a.url}`);
    assert.ok(!a.body || !a.body.includes(KEY), `the key is in the body of ${a.url}`);
  }
}

async function deployment(s) {
  s.nginx = await startNginx({ basePath: BASE, proxy: s.emu.origin, key: KEY });
  return s.nginx;
}

journey('Proxy deployment at /studio/ through nginx: a whole journey to a playing video, the key never reaches the browser', {
  open: false,
  emulator: { noCors: true, keys: { [KEY]: 100 }, speed: 50 },
  timeout: 150_000,
}, async (s) => {
  const { emu } = s;
  const nginx = await deployment(s);
  const answers = [];
  const reads = [];
  s.context.on('response', (r) => {
    reads.push((async () => {
      const body = await r.body().catch(() => null);
      // An answer that arrives as the journey ends (the context closing) is past every check.
      const headers = await r.allHeaders().catch(() => null);
      if (headers) answers.push({ url: r.url(), headers, body });
    })());
  });
  const page = await s.newPage({ url: nginx.url });
  await see(page, 'Proxy: no key needed');

  // A person pastes their own media URLs (a proxy deployment has no samples).
  await enter(page, 'Image URL', emu.sample('portrait-1.png'));
  await enter(page, 'Audio URL', emu.sample('speech-1.mp3'));
  await choose(page, 'Duration', /^\s*5\b/);
  await choose(page, 'Resolution', /^\s*720/);
  await waitForCost(page, 8);
  const sent = page.waitForRequest((r) => r.method() === 'POST');
  const id = await generate(page);
  const submit = await sent;
  assert.equal(new URL(submit.url()).origin, nginx.origin, 'the page calls its own origin');
  assert.equal((await submit.allHeaders()).authorization, undefined, 'the page sends no key');

  await waitForStatus(page, id, 'completed', 90_000);
  await assertPlayableVideo(page, id, { seconds: 5, longEdge: 720 });
  const account = await emu.account(KEY);
  assert.equal(account.credits, 92, `charged 8 credits once: ${JSON.stringify(account)}`);
  await s.screenshot('deploy-proxy-finished', page);

  // Speech and a portrait through the same proxy (its allow-list passes the voice and image
  // endpoints and the unified task path), charged to the deployment's key.
  await page.getByText('No photo? Describe a face').click();
  await page.getByLabel('Description', { exact: true }).fill('a calm man with a beard, blue shirt');
  const portraitPost = page.waitForResponse((r) => r.url().endsWith('/api/v2/image/generate'));
  await page.getByRole('button', { name: /^Make portrait/ }).click();
  const portrait = await portraitPost;
  assert.equal(new URL(portrait.url()).origin, nginx.origin, 'the portrait request goes to the page\'s own origin');
  assert.equal(portrait.status(), 202);
  await waitForStatus(page, (await portrait.json()).task_id, 'completed', 60_000);
  const script = 'Hello from behind the proxy.';
  await page.getByText('No recording? Write a script').click();
  await page.getByLabel('Script', { exact: true }).fill(script);
  await page.getByLabel(/^Reference voice/).fill(emu.sample('voice-2.wav'));
  await page.getByLabel(/I understand this is an estimate/).check();
  const speechPost = page.waitForResponse((r) => r.url().endsWith('/api/v2/voice/clone'));
  await page.getByRole('button', { name: /^Make speech ·/ }).click();
  const speech = await speechPost;
  assert.equal(speech.status(), 202);
  assert.equal((await speech.request().allHeaders()).authorization, undefined, 'the page sends no key');
  const speechRow = await waitForStatus(page, (await speech.json()).task_id, 'completed', 60_000);
  assert.equal((await emu.account(KEY)).credits, 92 - 3 - script.length, 'the portrait and the speech charged once each');
  // Its subtitles are on the provider's result host, which (here) allows no cross-origin reads:
  // the page says so and offers captions through the proxy instead.
  await see(speechRow, 'The speech came with subtitles, but the page could not read them: the browser may not read it from this page (CORS).');
  await see(speechRow, /^Add captions · \d+ credits$/);

  await Promise.all(reads);
  assert.ok(answers.some((a) => a.url.includes('/api/v2/avatar/tasks/')), 'status checks went through the proxy');
  assert.ok(answers.some((a) => new URL(a.url).pathname.startsWith('/api/v2/tasks/')), 'speech and portrait checks went through the proxy');
  assertKeyNeverSent(answers);
  for (const file of files(distDir)) assert.ok(!fs.readFileSync(file).includes(KEY), `the key is in ${file}`);
});

journey('nginx refuses what it must not pass: cross-site POSTs, other provider paths, framing; serves brotli wasm and strict headers', {
  open: false,
  emulator: { noCors: true, keys: { [KEY]: 100 } },
}, async (s) => {
  const { emu } = s;
  const nginx = await deployment(s);
  const raw = [];
  const call = async (p, options) => {
    const r = await request(nginx.origin + p, options);
    raw.push({ url: p, headers: r.headers, body: r.body });
    return r;
  };
  const body = JSON.stringify(proRequest(emu));

  // Another site (localhost is another site than 127.0.0.1) tries to spend the key, and to frame the page.
  const attackerPort = await freePort();
  const attacker = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><iframe id="framed" src="${nginx.url}"></iframe><script>
      const url = ${JSON.stringify(`${nginx.origin}/api/v2/avatar/generate`)};
      const body = ${JSON.stringify(body)};
      window.plain = fetch(url, { method: 'POST', mode: 'no-cors', headers: { 'Content-Type': 'text/plain' }, body }).then(() => 'answered', (e) => String(e));
      window.asJson = fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body }).then((r) => r.status, (e) => 'blocked: ' + e);
    </script>`);
  });
  attacker.listen(attackerPort, '127.0.0.1');
  await once(attacker, 'listening');
  try {
    const evil = await s.context.newPage();
    const refusedFrame = evil.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()), timeout: 15_000 });
    await evil.goto(`http://localhost:${attackerPort}/`);
    assert.equal(await evil.evaluate(() => window.plain), 'answered', 'the no-cors POST was sent (and refused by nginx)');
    assert.match(String(await evil.evaluate(() => window.asJson)), /^blocked/, 'a JSON POST from another site fails its preflight');
    await refusedFrame;
    const framed = evil.frames().find((f) => f !== evil.mainFrame());
    assert.equal(await framed.locator('#generate').count(), 0, 'the page did not render inside the other site');
    await evil.close();
  } finally {
    attacker.close();
  }
  const log = nginx.accessLog().join('\n');
  assert.match(log, /"POST \/api\/v2\/avatar\/generate HTTP\/1.1" 403/, 'the cross-site POST was refused');
  assert.match(log, /"OPTIONS \/api\/v2\/avatar\/generate HTTP\/1.1" 405/, 'the cross-site preflight was refused');

  // The same refusals, answer by answer, in the provider's JSON envelope.
  const post = (headers, p = '/api/v2/avatar/generate') => call(p, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body });
  for (const site of ['cross-site', 'same-site']) {
    const r = await post({ 'Sec-Fetch-Site': site });
    assert.equal(r.status, 403, `Sec-Fetch-Site: ${site}`);
    assert.equal(json(r).error.code, 'cross_site_refused');
  }
  for (const p of ['/api/v2/avatar/generate', '/api/v2/voice/clone', '/api/v2/voice/transcribe', '/api/v2/image/generate']) {
    const plain = await call(p, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
    assert.equal(plain.status, 415, `a text/plain POST to ${p} (no preflight needed) never reaches the API`);
    assert.equal(json(plain).error.code, 'unsupported_media_type', `${p}: refused by the proxy`);
  }
  // Voice clone, voice transcribe and image generate pass as JSON: the API itself answers (an empty body is its 400, so nothing is charged).
  for (const p of ['/api/v2/voice/clone', '/api/v2/voice/transcribe', '/api/v2/image/generate']) {
    const r = await call(p, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'same-origin' }, body: '{}' });
    assert.equal(r.status, 400, `POST ${p} with JSON reaches the API`);
    assert.equal(json(r).error.code, 'invalid_request', `POST ${p} is answered by the API, not refused by the proxy`);
    assert.equal((await call(p, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Sec-Fetch-Site': 'cross-site' }, body: '{}' })).status, 403, `${p}: cross-site refused`);
  }
  assert.equal((await post({}, '/api/v2/avatar/generate?x=1')).status, 400, 'no query string passes');
  assert.equal((await call('/api/v2/avatar/generate')).status, 405, 'GET on a submit path');
  const huge = await call('/api/v2/avatar/generate', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: `{"motion_prompt":"${'a'.repeat(70_000)}"}` });
  assert.equal(huge.status, 413, 'bodies are capped');
  assert.equal(json(huge).error.code, 'payload_too_large');

  // A task made at the API directly: the proxy shows it on the documented path only, with its own key.
  const made = await emu.api('/api/v2/avatar/generate', { key: KEY, method: 'POST', body: proRequest(emu) });
  assert.equal(made.status, 202);
  const { task_id: taskId } = await made.json();
  const status = await call(`/api/v2/avatar/tasks/${taskId}`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
  assert.equal(status.status, 200, 'the documented status path passes, signed by the proxy');
  assert.equal(json(status).task_id, taskId);
  const unified = await call(`/api/v2/tasks/${taskId}`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
  assert.equal(unified.status, 200, 'the unified status path (voice and image tasks) passes too');
  assert.equal(json(unified).task_id, taskId);
  assert.equal((await call(`/api/v2/tasks/${taskId}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })).status, 405, 'status paths take GET only');
  for (const [method, p] of [['POST', '/api/v2/voice/generate'], ['POST', '/api/v2/voice/transcribe/x/y'], ['GET', '/api/v2/voice/transcribe/x/y'], ['GET', '/api/v2/voice/transcribe/'], ['GET', '/api/v2/tasks/'], ['GET', '/api/v2/avatar/tasks/'], ['GET', '/api/']]) {
    const r = await call(p, { method, headers: { 'Content-Type': 'application/json' }, body: method === 'POST' ? body : undefined });
    assert.equal(r.status, 404, `${method} ${p} is refused`);
    assert.equal(json(r).error.code, 'not_allowed', `${method} ${p} is refused by the proxy, not answered by the API`);
  }
  assert.equal((await call(`/api/v2/avatar/tasks/${taskId}`, { method: 'DELETE' })).status, 405);
  const ledger = await emu.account(KEY);
  assert.equal(ledger.credits, 92, `only the direct task was charged: ${JSON.stringify(ledger)}`);
  assert.equal((await emu.tasks()).length, 1, 'nothing refused reached the API');

  // A transcription made at the API directly: its own status path passes (GET only), the others do not show it.
  const samples = await (await emu.api('/samples/')).json();
  const speech = samples.samples.find((f) => f.name === 'speech-1.mp3');
  const heard = await emu.api('/api/v2/voice/transcribe', { key: KEY, method: 'POST', body: { audio_url: speech.url, duration_seconds: speech.duration_seconds } });
  assert.equal(heard.status, 202);
  const { task_id: transcribeId } = await heard.json();
  const transcription = await call(`/api/v2/voice/transcribe/${transcribeId}`, { headers: { 'Sec-Fetch-Site': 'same-origin' } });
  assert.equal(transcription.status, 200, 'the transcription status path passes, signed by the proxy');
  assert.equal(json(transcription).task_id, transcribeId);
  assert.equal(json(transcription).action, 'transcribe');
  assert.equal((await call(`/api/v2/voice/transcribe/${transcribeId}`, { headers: { 'Sec-Fetch-Site': 'cross-site' } })).status, 403, 'cross-site status checks are refused');
  for (const method of ['DELETE', 'POST', 'PUT']) {
    const r = await call(`/api/v2/voice/transcribe/${transcribeId}`, { method, headers: { 'Content-Type': 'application/json' }, body: method === 'DELETE' ? undefined : '{}' });
    assert.equal(r.status, 405, `${method} on the transcription status path`);
    assert.equal(json(r).error.code, 'method_not_allowed', `${method}: refused by the proxy`);
  }
  assert.equal((await call('/api/v2/voice/transcribe')).status, 405, 'GET on the transcribe submit path');
  assert.equal((await call(`/api/v2/voice/transcribe/${transcribeId}?x=1`)).status, 400, 'no query string passes');
  assert.equal((await emu.tasks()).length, 2, 'only the direct transcription was added');

  // The page's files: wasm as application/wasm in brotli (gzip for clients without it), cached for good when hashed.
  const wasmName = fs.readdirSync(distDir).find((f) => /-[0-9a-f]{8,16}_bg\.wasm$/.test(f));
  const wasm = fs.readFileSync(path.join(distDir, wasmName));
  const br = await call(BASE + wasmName, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
  assert.equal(br.status, 200);
  assert.equal(br.headers['content-type'], 'application/wasm');
  assert.equal(br.headers['content-encoding'], 'br');
  assert.ok(zlib.brotliDecompressSync(br.body).equals(wasm), 'the brotli copy is the wasm');
  assert.ok(br.body.length < wasm.length / 2, `brotli ${br.body.length} B of ${wasm.length} B`);
  assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
  const gz = await call(BASE + wasmName, { headers: { 'Accept-Encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.ok(zlib.gunzipSync(gz.body).equals(wasm));

  const index = await call(BASE, { headers: { 'Accept-Encoding': 'gzip, br' } });
  for (const p of [BASE, `${BASE}index.html`, `${BASE}boot.js`, `${BASE}config.json`]) {
    assert.equal((await call(p)).headers['cache-control'], 'no-cache', `${p} is checked on every visit`);
  }
  const config = json(await call(`${BASE}config.json`));
  assert.deepEqual(config, { api_base: '', auth: 'proxy' }, 'the proxy deployment tells the page to send no key');
  const csp = index.headers['content-security-policy'];
  const html = (index.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(index.body) : index.body).toString();
  const metaTag = /<meta[^>]*http-equiv="?Content-Security-Policy"?[^>]*>/i.exec(html)?.[0] ?? '';
  const meta = /content="([^"]+)"/.exec(metaTag)?.[1];
  assert.ok(meta, 'index.html carries its CSP for hosts without headers');
  assert.equal(csp, `${meta}; frame-ancestors 'none'`, 'the header is the page\'s own CSP plus frame-ancestors');
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  assert.equal(index.headers['referrer-policy'], 'no-referrer');
  assert.equal(index.headers['x-frame-options'], 'DENY');
  assert.match(index.headers['permissions-policy'], /camera=\(\)/);

  // The same headers for static hosts, in dist/_headers.
  const rules = fs.readFileSync(path.join(distDir, '_headers'), 'utf8');
  assert.ok(rules.includes(`  Content-Security-Policy: ${csp}\n`), 'dist/_headers has the same CSP');
  assert.ok(rules.includes(`/${wasmName}\n  Cache-Control: public, max-age=31536000, immutable`), 'dist/_headers caches the hashed wasm');

  // Too many submits from one client: 429 with the Retry-After the page honours (the last check: it uses up the budget).
  const answers = [];
  for (let i = 0; i < 8; i++) answers.push(await post({ 'Sec-Fetch-Site': 'same-origin' }, '/api/v2/avatar/dual'));
  const limited = answers.find((r) => r.status === 429);
  assert.ok(limited, `the 8th quick submit is limited: ${answers.map((r) => r.status).join(' ')}`);
  assert.ok(Number(limited.headers['retry-after']) > 0, 'with Retry-After');
  assert.equal(json(limited).error.code, 'rate_limited');

  assertKeyNeverSent(raw);
});
