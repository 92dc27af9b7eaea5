// wakelink browser SDK: the package entry. The work is done in Rust (src/sdk), compiled to
// wasm; this file only loads it once and passes the optional device-model client hint.
import load, { start, track, openApp, platform, openedFrom } from './wakelink.js';

let ready;

/**
 * Loads the SDK and binds it to the click the page was opened from.
 * @param {{ clickId: string, endpoint?: string }} options
 */
export function init(options) {
  ready ??= load().then(async () => {
    const uad = globalThis.navigator?.userAgentData;
    try {
      return uad?.getHighEntropyValues ? (await uad.getHighEntropyValues(['model'])).model : undefined;
    } catch {
      return undefined;
    }
  });
  return ready.then((model) => start(options, model || undefined));
}

export { track, openApp, platform, openedFrom };
