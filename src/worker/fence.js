// The worker's entry point (build/index.js; the build script puts it in front of the module
// worker-build makes, renamed build/app.js). It only catches what escapes the Rust handlers:
// a panic aborts the Wasm instance, which workers-rs then sets up anew for the next request
// (its panic hook logs the message). The visitor gets a plain 500 page instead of the
// runtime's error page. Queue and cron handlers pass straight through, so the runtime still
// retries a batch whose handler failed.
import { WorkerEntrypoint } from 'cloudflare:workers';
import App from './app.js';

export * from './app.js';

const PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Something went wrong</title><body style="font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;color:#222"><h1>Something went wrong</h1><p>This link can't be opened right now. Try again in a moment.</p></body></html>`;

// A panic aborts the Wasm instance from inside a promise callback: the handler's promise never
// settles and the abort surfaces as an uncaught error. Every request in flight then shared
// the dead instance, so each one is answered with the 500 page.
const inflight = new Set();
const aborted = (e) => {
  if (e instanceof WebAssembly.RuntimeError) for (const fail of inflight) fail(e);
};
addEventListener('error', (event) => aborted(event.error));
addEventListener('unhandledrejection', (event) => aborted(event.reason));

export default class Wakelink extends WorkerEntrypoint {
  async fetch(request) {
    let fail;
    const died = new Promise((_, reject) => (fail = reject));
    inflight.add(fail);
    try {
      return await Promise.race([new App(this.ctx, this.env).fetch(request), died]);
    } catch (e) {
      console.error('request failed outside the handler', e);
      return new Response(request.method === 'HEAD' ? null : PAGE, {
        status: 500,
        headers: {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'private, no-store',
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
          'x-content-type-options': 'nosniff',
        },
      });
    } finally {
      inflight.delete(fail);
    }
  }

  queue(batch) {
    return new App(this.ctx, this.env).queue(batch);
  }

  scheduled(controller) {
    return new App(this.ctx, this.env).scheduled(controller);
  }
}
