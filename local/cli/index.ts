import { main } from './main';

main().catch((err: unknown) => {
  process.stderr.write(`queueflow: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
