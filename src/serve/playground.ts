import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * GET /: a one-page playground over the public API. No build step and no external assets; data is
 * written with textContent only, and the page's CSP allows nothing but its own inline script and
 * style and calls to this origin.
 */
const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{display:flex;gap:12px;align-items:center;flex-wrap:wrap;padding:12px 20px;background:#1d2330;color:#fff}
header h1{font-size:18px;margin:0 12px 0 0}
input,select,button{font:inherit;padding:4px 8px}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(300px,1fr));gap:16px;padding:16px 20px}
section{background:#fff;border-radius:8px;padding:12px;box-shadow:0 1px 2px #0002}
h2{font-size:15px;margin:0 0 8px}
ol{margin:0;padding-left:22px}
li{padding:4px 0;cursor:pointer}
li:hover .t{text-decoration:underline}
.m{color:#667;font-size:12px}
.err{color:#b00020}
`;

const SCRIPT = `
const LOCALES = { US: 'en-US', GB: 'en-GB', DE: 'de-DE', FR: 'fr-FR', ES: 'es-ES', JP: 'ja-JP', BR: 'pt-BR' };
const $ = (id) => document.getElementById(id);
const KEY = document.body.dataset.key;
const auth = KEY ? { authorization: 'Bearer ' + KEY } : {};
const shopper = $('shopper');
if (!shopper.value) shopper.value = 'shopper-' + Math.random().toString(36).slice(2, 8);
const market = () => $('market').value;
const params = (extra) => {
  const p = new URLSearchParams({ market: market(), locale: LOCALES[market()], k: '8' });
  for (const [key, v] of Object.entries(extra || {})) if (v) p.set(key, v);
  return p.toString();
};
async function getList(path, extra) {
  const res = await fetch(path + '?' + params(extra), { headers: auth });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error ? body.error.code + ': ' + body.error.message : 'HTTP ' + res.status);
  return body;
}
function render(listId, body) {
  const ol = $(listId);
  ol.replaceChildren();
  for (const item of body.items) {
    const li = document.createElement('li');
    const title = document.createElement('span');
    title.className = 't';
    title.textContent = item.title;
    const meta = document.createElement('div');
    meta.className = 'm';
    meta.textContent = item.price.amount.toFixed(2) + ' ' + item.price.currency + ' · ' + item.category + ' · ' + item.reason;
    li.append(title, meta);
    li.addEventListener('click', () => { void clickItem(item); });
    ol.append(li);
  }
  if (body.items.length === 0) {
    const li = document.createElement('li');
    li.className = 'm';
    li.textContent = 'nothing yet';
    ol.append(li);
  }
}
async function show(listId, path, extra) {
  try {
    const body = await getList(path, extra);
    render(listId, body);
    $('model').textContent = 'model ' + body.model;
    return body;
  } catch (e) {
    const ol = $(listId);
    const li = document.createElement('li');
    li.className = 'err';
    li.textContent = String(e.message || e);
    ol.replaceChildren(li);
    return undefined;
  }
}
const ids = (body) => (body ? body.items.map((i) => i.id).join(',') : '');
const forYou = () => show('foryou', '/v1/recommendations', { user: shopper.value });
async function clickItem(item) {
  $('selected').textContent = item.title;
  const before = ids(await getList('/v1/recommendations', { user: shopper.value }).catch(() => undefined));
  const event = {
    id: crypto.randomUUID(), type: 'click', market: market(), locale: LOCALES[market()],
    user_id: shopper.value, item_id: item.id, ts: Date.now(),
  };
  const res = await fetch('/v1/events', {
    method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify([event]),
  });
  const out = await res.json();
  $('status').textContent = res.ok
    ? 'click sent: ' + out.results.map((r) => r.status).join(', ')
    : 'click not sent: ' + (out.error ? out.error.code : 'HTTP ' + res.status);
  void show('similar', '/v1/items/' + encodeURIComponent(item.id) + '/similar');
  void show('together', '/v1/items/' + encodeURIComponent(item.id) + '/bought-together');
  // The event is applied asynchronously: poll briefly until the list reflects it.
  for (let i = 0; i < 6; i++) {
    const body = await forYou();
    if (ids(body) !== before) break;
    await new Promise((r) => setTimeout(r, 250));
  }
}
function refresh() {
  void forYou();
  void show('trending', '/v1/trending');
}
$('market').addEventListener('change', refresh);
shopper.addEventListener('change', refresh);
$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $('q').value.trim();
  if (q) void show('results', '/v1/search', { q, user: shopper.value });
});
refresh();
`;

const MARKETS = ['US', 'GB', 'DE', 'FR', 'ES', 'JP', 'BR'];

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Meridian playground</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Meridian playground</h1>
<label>Market <select id="market">${MARKETS.map((m) => `<option>${m}</option>`).join('')}</select></label>
<label>Shopper <input id="shopper" size="16" autocomplete="off"></label>
<form id="search"><input id="q" placeholder="Search in any language" size="28"> <button>Search</button></form>
<span id="model" class="m"></span>
</header>
<main>
<section><h2>For you</h2><ol id="foryou"></ol><p id="status" class="m"></p></section>
<section><h2>Similar to <span id="selected">(click an item)</span></h2><ol id="similar"></ol>
<h2>Bought together</h2><ol id="together"></ol></section>
<section><h2>Trending</h2><ol id="trending"></ol></section>
<section><h2>Search results</h2><ol id="results"></ol></section>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;

const escapeAttr = (s: string): string => s.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

const hash = (s: string): string => createHash('sha256').update(s).digest('base64');
const CSP = [
  "default-src 'none'",
  `script-src 'sha256-${hash(SCRIPT)}'`,
  `style-src 'sha256-${hash(STYLE)}'`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export async function playgroundRoutes(app: FastifyInstance, { key }: { key?: string }): Promise<void> {
  const page = key === undefined ? PAGE : PAGE.replace('<body>', `<body data-key="${escapeAttr(key)}">`);
  app.get(
    '/',
    {
      config: { scope: 'public' },
      schema: {
        security: [],
        summary: 'Web playground (HTML)',
        tags: ['playground'],
        produces: ['text/html'],
        response: { 200: { type: 'string', description: 'an HTML page' } },
      },
    },
    async (_req, reply) =>
      reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).header('cache-control', 'no-store').send(page),
  );
}
