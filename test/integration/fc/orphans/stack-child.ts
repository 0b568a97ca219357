// A stack in its own process for orphans.test.ts: deploys the spinning fixture
// function, starts a call of it, and prints its instance's pid as one JSON line.
import { fixtureFunction, startRuntimeStack } from '../runtime-stack';

const stack = await startRuntimeStack();
await stack.runtime.deploy([fixtureFunction('spin', 'index.spin', { timeoutSeconds: 600 })]);
void stack.runtime.invoke('spin', '{}');
for (;;) {
  const busy = stack.runtime
    .list()
    .flatMap((f) => f.instances)
    .find((i) => i.busy);
  if (busy?.pid) {
    process.stdout.write(`${JSON.stringify({ pid: busy.pid })}\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 10));
}
