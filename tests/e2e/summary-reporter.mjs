// A node:test reporter that counts journeys (top-level tests) and ends the log
// with one line, e.g. "17 passed, 0 failed", for CI logs and the Makefile.

export default async function* summary(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const failures = [];
  for await (const event of source) {
    if (event.data?.nesting !== 0) continue;
    if (event.type === 'test:pass') {
      if (event.data.skip || event.data.todo) skipped++;
      else passed++;
    } else if (event.type === 'test:fail') {
      failed++;
      failures.push(event.data.name);
    }
  }
  if (failures.length) yield `\nfailed journeys:\n${failures.map((n) => `  ✖ ${n}`).join('\n')}\n`;
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
