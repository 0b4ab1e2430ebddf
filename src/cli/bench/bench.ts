/**
 * `cairn bench <metrics|logs|query>`: picks the load generator; each subcommand parses its
 * own flags.
 */
import { UsageError } from '../args.js';
import { defaultIo, type CliIo } from '../http-client.js';
import { BENCH_LOGS_USAGE, benchLogs } from './logs.js';
import { BENCH_METRICS_USAGE, benchMetrics } from './metrics.js';
import { BENCH_QUERY_USAGE, benchQuery } from './query.js';

/** Usage of every `cairn bench` subcommand. */
export const BENCH_USAGE = `${BENCH_METRICS_USAGE}
${BENCH_LOGS_USAGE}
${BENCH_QUERY_USAGE}`;

/** Runs `cairn bench SUBCOMMAND ...`. */
export async function bench(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'metrics':
      return benchMetrics(rest, io);
    case 'logs':
      return benchLogs(rest, io);
    case 'query':
      return benchQuery(rest, io);
    case undefined:
      throw new UsageError('cairn bench needs a subcommand: metrics, logs or query');
    default:
      throw new UsageError(`unknown bench subcommand '${sub}' (metrics, logs or query)`);
  }
}
