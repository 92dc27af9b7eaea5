// The platform floor for the benchmark: a minimal hand-written JavaScript worker doing what
// wakelink's redirect does at its core — one KV read, one Queue send after the response,
// one 302 — with none of wakelink's parsing, classification or checks.
export default {
  async fetch(request, env, ctx) {
    const code = new URL(request.url).pathname.slice(1);
    const raw = await env.LINKS.get(`link:${code}`);
    if (raw === null) return new Response('not found', { status: 404 });
    const link = JSON.parse(raw);
    const ua = request.headers.get('user-agent') || '';
    const to = /iPhone|iPad/.test(ua) ? link.destinations.ios : /Android/.test(ua) ? link.destinations.android : link.destinations.web;
    ctx.waitUntil(env.EVENTS.send(JSON.stringify({ id: crypto.randomUUID(), ts: Date.now(), link: code, ua })));
    return new Response(null, { status: 302, headers: { location: to } });
  },
};
