import { formatCliError } from './errors';
import { main } from './main';

// A reader that stops early (`| head`) closes the pipe: the rest of the output
// has nowhere to go, which is no failure of the command. Without a listener the
// write's EPIPE is an unhandled 'error' event and a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`queueflow: ${formatCliError(err)}\n`);
  process.exitCode = 1;
});
