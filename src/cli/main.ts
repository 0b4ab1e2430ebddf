#!/usr/bin/env node
/**
 * The `cairn` command. Exit codes: 0 success, 1 failure, 2 usage error.
 */
import { isCairnError } from '../util/errors.js';
import { ALERTMANAGER_USAGE, alertmanager } from './alertmanager.js';
import { BENCH_USAGE, bench } from './bench/bench.js';
import { packageInfo } from '../util/package-info.js';
import { lowerHelperThreadPriority } from '../util/thread-priority.js';
import { UsageError } from './args.js';
import { RULES_USAGE, rules } from './rules.js';
import { SERVE_USAGE, serve } from './serve.js';
import { TOKEN_USAGE, token } from './token.js';
import { VERIFY_USAGE, verify } from './verify.js';

const USAGE = `usage:
${SERVE_USAGE}
${TOKEN_USAGE}
${RULES_USAGE}
${ALERTMANAGER_USAGE}
${BENCH_USAGE}
${VERIFY_USAGE}
cairn version

Configuration: flags > CAIRN_* environment variables > --config YAML > defaults.
See the README for every key.
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve':
      // V8's background threads yield to the main thread (thread-priority.ts).
      lowerHelperThreadPriority();
      return serve(rest);
    case 'token':
      return token(rest);
    case 'rules':
      return rules(rest);
    case 'alertmanager':
      return alertmanager(rest);
    case 'bench':
      return bench(rest);
    case 'verify':
      return verify(rest);
    case 'version':
    case '--version':
      process.stdout.write(`cairn ${packageInfo().version}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command '${cmd}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Servers hold handles open; a finished command should end now.
    if (process.argv[2] === 'serve') setImmediate(() => process.exit(code));
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`cairn: ${err.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else if (isCairnError(err)) {
      process.stderr.write(`cairn: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`cairn: ${(err as Error)?.stack ?? String(err)}\n`);
      process.exitCode = 1;
    }
    if (process.argv[2] === 'serve') setImmediate(() => process.exit(process.exitCode));
  },
);
