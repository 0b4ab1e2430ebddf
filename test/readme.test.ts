// Proves the README documents every configuration key and CLI subcommand that exists,
// so the docs cannot silently fall behind the code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL_SPECS } from '../src/config/config.js';
import { envName } from '../src/config/values.js';

const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');

describe('README', () => {
  it.each(ALL_SPECS.map((s) => [s.key, s] as const))('documents %s with its env variable', (key, spec) => {
    expect(readme).toContain(`| \`${key}\` |`);
    expect(readme).toContain(envName(spec));
  });

  it.each(['cairn serve', 'cairn token create', 'cairn token list', 'cairn token revoke'])('documents %s', (cmd) => {
    expect(readme).toContain(cmd);
  });

  it('keeps the two-command quick start', () => {
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm install && npm test');
  });
});
