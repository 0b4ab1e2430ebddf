/**
 * Shared CLI plumbing: argument parsing with node's `util.parseArgs`, usage errors, and
 * loading the configuration the way `serve` does, so `--data-dir`, `--config` and
 * `CAIRN_*` mean the same in every subcommand.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/config.js';

/** A mistake in the command line: printed with the usage, exit code 2. */
export class UsageError extends Error {}

/** Options of one flag, as `util.parseArgs` takes them. */
type FlagOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Parses flags strictly; an unknown flag or a missing value is a UsageError. */
export function parse<T extends FlagOptions>(argv: string[], options: T): { values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string }, positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The flags every subcommand that reads the data dir understands. */
export const CONFIG_FLAGS = {
  config: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

/** Defaults < `--config` file (or `CAIRN_CONFIG`) < `CAIRN_*` env < flags. */
export function configFrom(values: { config?: string | undefined; 'data-dir'?: string | undefined }, flagOverrides: Record<string, unknown> = {}): Config {
  return loadConfig({
    file: values.config ?? process.env.CAIRN_CONFIG,
    env: process.env,
    overrides: { ...(values['data-dir'] === undefined ? {} : { data_dir: values['data-dir'] }), ...flagOverrides },
  });
}
