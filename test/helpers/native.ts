/**
 * The native addon for tests that compare it with the JavaScript paths. `npm install`
 * builds it, so a missing addon is a broken build and its tests fail; with `CAIRN_NATIVE=0`
 * (the addon turned off on purpose) they are skipped, with the reason printed once.
 */
import { native, type NativeAddon } from '../../src/util/native.js';

/** True when `CAIRN_NATIVE=0` turned the addon off: native tests skip. */
export const nativeOff = process.env.CAIRN_NATIVE === '0';
if (nativeOff) console.log('CAIRN_NATIVE=0: the tests comparing the native addon with JavaScript are skipped');

/** The addon; throws when it is missing from a build that should have it. */
export function nativeAddon(): NativeAddon {
  if (native === undefined) throw new Error('the native addon is not built: run `npm run build:native`');
  return native;
}

/** The cases of a table that run `with the addon`: none when it is turned off. */
export function withNative<T>(cases: readonly T[]): T[] {
  return nativeOff ? [] : [...cases];
}
