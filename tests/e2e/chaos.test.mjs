// The chaos run of `make bench` (tests/e2e/bench/chaos.mjs), smaller, as a
// test: faults, latency, rate limits, failed tasks and an emulator restart
// must lose no task and charge none twice.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { closeBrowser } from './harness.mjs';
import { run } from './bench/chaos.mjs';

after(closeBrowser);

test('Chaos: 30% errors, 300 ms latency, 5 req/s, 10% failed tasks and a restart lose nothing, with and without the real API\'s quirks', { timeout: 400_000 }, async () => {
  const r = await run({ tasks: 6, speed: 30 });
  const report = `\n${r.markdown}`;
  for (const run of r.runs) {
    const what = run.quirks.length ? `with quirks ${run.quirks.join(',')}` : 'without quirks';
    assert.equal(run.tasks, 6, `${what}: the emulator accepted ${run.tasks} tasks${report}`);
    assert.equal(run.lost, 0, `${what}: tasks missing from the page${report}`);
    assert.equal(run.phantom, 0, `${what}: rows the API does not know${report}`);
    assert.equal(run.notFinal, 0, `${what}: rows never reached a final state${report}`);
    assert.equal(run.mismatched, 0, `${what}: rows disagree with the API's status${report}`);
    assert.equal(run.duplicateCharges, 0, `${what}: credits charged beyond one charge per task${report}`);
    assert.equal(run.refundErrors, 0, `${what}: refunds differ from the failed tasks' costs${report}`);
  }
  assert.equal(r.runs.length, 2);
});
