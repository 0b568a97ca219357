import { formatCliError } from './errors';
import { main } from './main';

main().catch((err: unknown) => {
  process.stderr.write(`queueflow: ${formatCliError(err)}\n`);
  process.exitCode = 1;
});
