// The chaos run of `make bench` (tests/e2e/bench/chaos.mjs), smaller, as a
// test: faults, latency, rate limits, failed tasks and an emulator restart
// must lose no task and charge none twice.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowser } from './harness.mjs';
import { run } from './bench/chaos.mjs';

after(closeBrowser);

test('Chaos: 30% errors, 300 ms latency, 5 req/s, 10% failed tasks and a restart lose nothing', { timeout: 300_000 }, async () => {
  const r = await run({ tasks: 6, speed: 30 });
  const report = `\n${r.markdown}`;
  assert.equal(r.tasks, 6, `the emulator accepted ${r.tasks} tasks${report}`);
  assert.equal(r.lost, 0, `tasks missing from the page${report}`);
  assert.equal(r.phantom, 0, `rows the API does not know${report}`);
  assert.equal(r.notFinal, 0, `rows never reached a final state${report}`);
  assert.equal(r.mismatched, 0, `rows disagree with the API's status${report}`);
  assert.equal(r.duplicateCharges, 0, `credits charged beyond one charge per task${report}`);
  assert.equal(r.refundErrors, 0, `refunds differ from the failed tasks' costs${report}`);
});
