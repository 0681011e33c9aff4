// A node:test reporter that counts leaf tests (not suites) and prints one closing line.
export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const details = event.data.details ?? {};
    if (details.type === "suite" && event.type === "test:pass") continue;
    if (event.data.skip || event.data.todo) skipped += 1;
    else if (event.type === "test:pass") passed += 1;
    else failed += 1;
  }
  yield `\n${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}
