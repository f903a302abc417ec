// First-visit bytes on the wire through the nginx deployment (deploy/configure,
// README "Deploying with nginx"): every file of a first visit, each fetched on
// a fresh connection, counting every byte the server sent (status line,
// headers, body), once as a browser that accepts brotli asks and once as one
// that accepts only gzip; then one real first visit in Chromium.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { browser, distDir, startNginx, waitForAppReady } from '../harness.mjs';

/** Bytes the server sent for one GET on its own connection, and the encoding it chose. */
function wireBytes(url, acceptEncoding) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, bytes: res.socket.bytesRead, encoding: res.headers['content-encoding'] || 'none' }));
    });
    req.on('error', reject);
  });
}

/** What a first visit downloads: the page, and what it names (boot.js's data-js/data-wasm, css, icon, config.json). */
function firstVisitFiles() {
  const html = fs.readFileSync(path.join(distDir, 'index.html'), 'utf8');
  const named = [...html.matchAll(/(?:href|src|data-js|data-wasm)="?\.?\/?([^"\s>]+)"?/g)].map((m) => m[1]);
  const files = [...new Set(named)].filter((f) => !f.startsWith('http') && fs.existsSync(path.join(distDir, f)));
  return [...new Set(['', ...files, 'config.json'])];
}

const kb = (b) => `${(b / 1024).toFixed(1)} KB`;

export async function run() {
  const nginx = await startNginx({ basePath: '/studio/' });
  try {
    const files = firstVisitFiles();
    const rows = [];
    const totals = { br: 0, gzip: 0, none: 0 };
    for (const f of files) {
      const url = nginx.url + f;
      const br = await wireBytes(url, 'gzip, deflate, br');
      const gz = await wireBytes(url, 'gzip, deflate');
      const none = await wireBytes(url, 'identity');
      for (const r of [br, gz, none]) if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
      totals.br += br.bytes;
      totals.gzip += gz.bytes;
      totals.none += none.bytes;
      rows.push(`| ${f || 'index.html (/studio/)'} | ${kb(none.bytes)} | ${kb(gz.bytes)} (${gz.encoding}) | ${kb(br.bytes)} (${br.encoding}) |`);
    }

    // One real first visit: what Chromium asked for and received (transferSize: headers + body).
    const context = await (await browser()).newContext();
    const page = await context.newPage();
    let served = 'none';
    page.on('response', async (r) => { if (r.url().endsWith('.wasm')) served = (await r.headerValue('content-encoding')) || 'none'; });
    await page.goto(nginx.url);
    await waitForAppReady(page);
    const chromium = await page.evaluate(() =>
      performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
        .filter((e) => !e.name.includes('/api/'))
        .reduce((sum, e) => sum + e.transferSize, 0));
    await context.close();

    const markdown = `### First visit on the wire through nginx

The release \`dist/\` (with \`make dist\`'s precompressed copies) behind Debian's nginx as
\`deploy/configure\` writes it (\`gzip_static\`, and \`brotli_static\` from libnginx-mod-http-brotli-static),
at \`/studio/\` on loopback. Each file of a first visit fetched on its own connection; bytes are everything
the server sent (status line, headers, body). Precompressed: the hashed files (brotli \`-q 11\`, gzip \`-9\`);
\`index.html\`, \`boot.js\` and \`config.json\` are compressed by nginx on the fly (gzip level 1) or not at all.

| file | identity | gzip | brotli |
|---|---:|---:|---:|
${rows.join('\n')}
| **total** | **${kb(totals.none)}** | **${kb(totals.gzip)}** | **${kb(totals.br)}** |

A first visit in headless Chromium through the same nginx (the wasm came as \`${served}\`; browsers offer
brotli over https and to loopback): ${kb(chromium)} transferred (\`transferSize\` of the page and its files).

Reproduce: \`make dist && node tests/e2e/bench/run.mjs wire\`.
`;
    const summary = `| First visit on the wire through nginx | (issue 16: ≤ 125 KB brotli) | ${kb(totals.br)} brotli, ${kb(totals.gzip)} gzip | measured |\n`;
    return { markdown, summary, files: files.length, bytes: totals, chromium };
  } finally {
    await nginx.stop();
  }
}
