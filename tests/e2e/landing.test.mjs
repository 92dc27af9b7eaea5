// Coupon landing pages in workerd: which page each visitor gets, its headers, escaping,
// language, expiry, the per-recipient coupon from the ledger, and the app-open path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, UA, putLink, eventually, rows, signClickId } from './harness.mjs';
import { couponLink, iso } from './coupon-link.mjs';


let t;
before(async () => {
  t = await start({ vars: { IOS_APP_IDS: 'ABCDE12345.com.example.wallet', ANDROID_APPS: 'com.example.wallet=AA:BB' } });
  await putLink(t, 'coupon', couponLink());
  await putLink(t, 'plain');
});
after(async () => t?.mf.dispose());

const get = (path, ua, headers = {}) => t.fetch(path, { headers: { 'user-agent': ua, ...headers } });
const attr = (html, id, name) => html.match(new RegExp(`id="${id}"[^>]*?${name}="([^"]*)"`))?.[1];
const unescape = (s) => s.replaceAll('&#38;', '&').replaceAll('&amp;', '&').replaceAll('&#61;', '=').replaceAll('&#47;', '/');

test('a phone gets the coupon page instead of the redirect, and the click is recorded as a landing', async () => {
  const r = await get('/coupon', UA.iphone);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  const html = await r.text();
  assert.match(html, /<bdi>Welcome back<\/bdi>/);
  assert.match(html, /<bdi>¥30<\/bdi>/);
  const clickId = html.match(/data-click="([^"]+)"/)[1];
  assert.equal(attr(html, 'open-app', 'href'), `/open/coupon?wl=${clickId}`);
  assert.match(html, /data-sdk="\/sdk\/wakelink\.[0-9a-f]{12}\.js"/);
  assert.equal(unescape(attr(html, 'open-app', 'data-store')), 'https://apps.apple.com/app/id1234567890');
  assert.equal(unescape(attr(html, 'open-app', 'data-deep')), 'examplewallet://coupon/demo');
  // Readable without JavaScript: the expiry as a date, the countdown only enhances it.
  assert.match(html, /<time id="expiry" data-ends="\d+">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
  const ev = await eventually(async () => (await rows(t.db, "SELECT * FROM events WHERE link = 'coupon'"))[0]);
  assert.equal(ev.outcome, 'landing');
  assert.equal(ev.target, 'app-store');
  assert.equal(ev.bot, 0);
  // The page's click id is the one signed for this very click (the SDK reports steps with it).
  assert.equal(clickId, signClickId(ev.id, 'coupon', null));
});

test('headers: a per-response script nonce, nosniff, no referrer, no caching', async () => {
  const a = await get('/coupon', UA.pixel);
  const b = await get('/coupon', UA.pixel);
  const csp = a.headers.get('content-security-policy');
  const nonce = csp.match(/script-src 'nonce-([0-9a-f]{32})'/)?.[1];
  assert.ok(nonce, csp);
  assert.match(csp, /default-src 'none'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'|script-src[^;]*(\*|'self'|https?:)/);
  assert.notEqual(b.headers.get('content-security-policy'), csp, 'a fresh nonce per response');
  const html = await a.text();
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.ok(scripts.length >= 1);
  for (const s of scripts) assert.match(s, new RegExp(`nonce="${nonce}"`));
  assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(a.headers.get('referrer-policy'), 'no-referrer');
  assert.equal(a.headers.get('cache-control'), 'private, no-store');
});

test('each device gets its own store, desktop a QR code of the link, WeChat the browser guide', async () => {
  const store = async (ua) => unescape(attr(await (await get('/coupon', ua)).text(), 'open-app', 'data-store'));
  assert.equal(await store(UA.xiaomi), 'mimarket://details?id=com.example.wallet');
  assert.equal(await store(UA.huawei), 'appmarket://details?id=com.example.wallet');
  assert.equal(await store(UA.pixel), 'https://play.google.com/store/apps/details?id=com.example.wallet');

  const desk = await (await get('/coupon', UA.windows)).text();
  assert.match(desk, /<svg class="qr" id="qr" viewBox="0 0 (\d+) \1"/);
  assert.match(desk, /<path fill="#000" d="M4 4h7v1h-7z/);
  assert.equal(unescape(attr(desk, 'web', 'href')), 'https://www.example.com/coupon/demo');
  assert.doesNotMatch(desk, /id="open-app"/);

  const wechat = await (await get('/coupon', UA.wechatIos)).text();
  assert.match(wechat, /id="guide" data-in-app="微信 WeChat"/);
  assert.match(wechat, /<bdi>Welcome back<\/bdi>/, 'the coupon stays visible');
  assert.match(wechat, /id="self-link">http:\/\/wakelink.test\/coupon</);
  assert.doesNotMatch(wechat, /id="open-app"/);
});

test('language from Accept-Language, unless the link forces one', async () => {
  const zh = await (await get('/coupon', UA.xiaomi, { 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.8' })).text();
  assert.match(zh, /<html lang="zh-CN">/);
  assert.match(zh, /打开 App/);
  const en = await (await get('/coupon', UA.xiaomi, { 'accept-language': 'en-GB,en;q=0.9' })).text();
  assert.match(en, /<html lang="en">/);
  assert.match(en, /Open the app/);
  await putLink(t, 'forced', couponLink({ lang: 'zh-CN' }));
  const forced = await (await get('/forced', UA.iphone, { 'accept-language': 'en-US' })).text();
  assert.match(forced, /<html lang="zh-CN">/);
});

test('an expired coupon says so; an expired link stays 410', async () => {
  await putLink(t, 'over', couponLink({ expires_at: iso(Date.now() - 60_000) }));
  const html = await (await get('/over', UA.iphone)).text();
  assert.match(html, /class="coupon expired"/);
  assert.match(html, /id="state">This coupon has expired</);
  assert.doesNotMatch(html, /id="countdown"/);
  await t.kv.put('link:gone', JSON.stringify(couponLink({}, { expires_at: iso(Date.now() - 1000) })));
  assert.equal((await get('/gone', UA.iphone)).status, 410);
});

test('HEAD gets the page headers and no body', async () => {
  const r = await t.fetch('/coupon', { method: 'HEAD', headers: { 'user-agent': UA.iphone } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-security-policy'), /nonce-/);
  assert.equal((await r.text()).length, 0);
});

test('hostile coupon and campaign fields render as text; hostile URLs are refused', async () => {
  const hostile = couponLink(
    {
      title: '<script>alert(1)</script>',
      amount: '"><img src=x onerror=alert(1)>',
      terms: '\u202Egnp.exe</p><script>alert(2)</script>',
    },
    { campaign: '"><img src=x onerror=alert(3)>', variant: '</style><script>alert(4)</script>' },
  );
  await putLink(t, 'hostile', hostile);
  const html = await (await get('/hostile', UA.iphone)).text();
  assert.doesNotMatch(html, /<script>alert/);
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /<bdi>&#60;script&#62;alert\(1\)&#60;\/script&#62;<\/bdi>|<bdi>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/bdi>/);
  assert.match(html, /<bdi>\u202Egnp\.exe/, 'a bidi override stays inside its own isolate');
  const refused = async (landing, field) => {
    const r = await t.api('/api/v1/links/bad', { method: 'PUT', body: JSON.stringify(couponLink(landing)) });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.field, field);
  };
  await refused({ logo_url: 'javascript:alert(1)' }, 'landing.logo_url');
  await refused({ logo_url: 'https://evil.test/x.png' }, 'landing.logo_url');
  await refused({ brand_color: 'red;}</style><script>alert(1)</script>' }, 'landing.brand_color');
  const js = couponLink();
  js.destinations.deep_link = 'javascript:alert(1)';
  const r = await t.api('/api/v1/links/bad', { method: 'PUT', body: JSON.stringify(js) });
  assert.equal(r.status, 400);
});

test("a per-recipient page shows that recipient's coupon code from the send ledger", async () => {
  const post = (recipients) =>
    t.api('/api/v1/links/coupon/recipients', { method: 'POST', body: JSON.stringify({ recipients }) });
  // Contact data is refused where a coupon code belongs, and nothing of the batch is kept.
  const refused = await post([{ external_id: 'cust-0', coupon: 'X1' }, { external_id: 'cust-9', coupon: '+86 138 0013 8000' }]);
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).error.field, 'recipients[1].coupon');
  assert.equal((await rows(t.db, "SELECT COUNT(*) AS n FROM sends WHERE link = 'coupon'"))[0].n, 0);
  const minted = await post([
    { external_id: 'cust-1', coupon: 'WB30-7F2K' },
    { external_id: 'cust-2', coupon: '<b>x</b>' },
    { external_id: 'cust-3' },
  ]);
  assert.equal(minted.status, 201);
  const [one, two, three] = (await minted.json()).recipients;
  const page = async (r) => (await get(new URL(r.url).pathname, UA.iphone)).text();
  const first = await page(one);
  assert.match(first, /id="coupon-code">WB30-7F2K</);
  assert.match(attr(first, 'open-app', 'href'), new RegExp(`^/open/coupon/${one.token}\\?wl=`));
  assert.match(await page(two), /id="coupon-code">&#60;b&#62;x&#60;\/b&#62;<|id="coupon-code">&lt;b&gt;x&lt;\/b&gt;</);
  assert.doesNotMatch(await page(three), /coupon-code/);
  assert.equal((await get(`/coupon/${one.token.slice(0, -1)}x`, UA.iphone)).status, 404);
});

test('the app-open path forwards to the store on the web and records nothing', async () => {
  const before = (await rows(t.db, 'SELECT COUNT(*) AS n FROM events'))[0].n;
  const to = async (ua, path = '/open/coupon') => {
    const r = await get(path, ua);
    assert.equal(r.status, 302, `${path} ${ua}`);
    return r.headers.get('location');
  };
  assert.equal(await to(UA.iphone), 'https://apps.apple.com/app/id1234567890');
  assert.equal(await to(UA.xiaomi), 'mimarket://details?id=com.example.wallet');
  assert.equal(await to(UA.windows), 'https://www.example.com/coupon/demo');
  assert.equal((await get('/open/coupon/not-a-token', UA.iphone)).status, 404);
  assert.equal((await get('/open/nope', UA.iphone)).status, 404);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await rows(t.db, 'SELECT COUNT(*) AS n FROM events'))[0].n, before);
});

test('the association files claim only the app-open path, never a tracked link', async () => {
  const aasa = await (await t.fetch('/.well-known/apple-app-site-association')).json();
  const details = aasa.applinks.details;
  assert.deepEqual(details[0].appIDs, ['ABCDE12345.com.example.wallet']);
  assert.deepEqual(details[0].components.map((c) => c['/']), ['/open/*']);
  // A link without a landing section keeps answering with the bare redirect.
  assert.equal((await get('/plain', UA.iphone)).status, 302);
});
