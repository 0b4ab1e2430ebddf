// Proves the native addon is built and complete, and that a module lacking any of its
// functions (an addon built from older sources) is taken as not built.
import { describe, expect, it } from 'vitest';
import { complete, native } from '../../src/util/native.js';

const fn = (): void => undefined;
const all = { writePoints: fn, snappyElements: fn, xorRead: fn, trigramsAdd: fn };

describe('native addon', () => {
  it('is built by npm install, with every function the sources call', () => {
    expect(native, 'the native addon is not built: run `npm run build:native`').toBeDefined();
    expect(complete(native)).toBe(native);
  });

  it.each<[string, unknown, boolean]>([
    ['every function', all, true],
    ['one missing (an older build)', { writePoints: fn, snappyElements: fn, xorRead: fn }, false],
    ['one not a function', { ...all, trigramsAdd: 1 }, false],
    ['not an object', 'cairn_native', false],
    ['null', null, false],
  ])('%s', (_name, mod, ok) => {
    expect(complete(mod) !== undefined).toBe(ok);
  });
});
