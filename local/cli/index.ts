import { formatCliError } from './errors';
import { handleOutputError } from './io';
import { main } from './main';

// A reader that stops early (`| head`) closes the pipe, a closed terminal fails
// every write: without a listener the write's error is an unhandled 'error'
// event and a stack trace (handleOutputError says what happens instead).
for (const stream of [process.stdout, process.stderr]) stream.on('error', handleOutputError);

main().catch((err: unknown) => {
  process.stderr.write(`queueflow: ${formatCliError(err)}\n`);
  process.exitCode = 1;
});
