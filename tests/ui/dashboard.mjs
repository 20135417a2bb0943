// dashboard.mjs: the dashboard (/ui/) in Debian's headless Chromium,
// driven by playwright-core, against a running `mailcert serve`
// (tests/integration/dashboard.sh sets it up). Every check prints one TAP
// line; what the page shows is compared with what the API answers to the
// same token, fetched here in node.
//
// Environment:
//   MC_BASE      http://127.0.0.1:PORT of the daemon
//   MC_ADMIN, MC_OPERATOR, MC_VIEWER   tokens of those roles
//   MC_SEARCH    part of a user's name to search for
//   MC_OUT       directory for the screenshots
//   MC_NODE_DIR  directory whose node_modules holds playwright-core
//   MC_CHROMIUM  the browser (default /usr/lib/chromium/chromium)
// Prints "# revoked SERIAL" for the certificate revoked as operator.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const env = (k) => {
	if (!process.env[k]) {
		console.log(`Bail out! ${k} is not set`);
		process.exit(1);
	}
	return process.env[k];
};
const BASE = env('MC_BASE');
const TOK = { admin: env('MC_ADMIN'), operator: env('MC_OPERATOR'),
    viewer: env('MC_VIEWER') };
const SEARCH = env('MC_SEARCH');
const OUT = env('MC_OUT');
const require = createRequire(path.join(env('MC_NODE_DIR'), 'x.js'));
const { chromium } = require('playwright-core');
const BROWSER = process.env.MC_CHROMIUM || '/usr/lib/chromium/chromium';

let n = 0, failed = 0;

function ok(cond, msg, ...diag) {
	n++;
	if (cond) {
		console.log(`ok ${n} - ${msg}`);
		return true;
	}
	failed++;
	console.log(`not ok ${n} - ${msg}`);
	for (const d of diag)
		console.log('#   ' + String(d).replace(/\n/g, '\n#   '));
	return false;
}

function is(got, want, msg) {
	return ok(JSON.stringify(got) === JSON.stringify(want), msg,
	    `got:  ${JSON.stringify(got)}`, `want: ${JSON.stringify(want)}`);
}

// A step of the story: an exception is one failed check, and the story
// goes on so that later checks still report.
async function step(msg, fn) {
	try {
		await fn();
	} catch (e) {
		ok(false, `${msg}: ${e.message.split('\n')[0]}`);
		for (const l of String(e.stack || e).split('\n').slice(1, 6))
			console.log('#   ' + l);
	}
}

async function apiGet(role, p) {
	const r = await fetch(BASE + '/api/v1' + p,
	    { headers: { Authorization: 'Bearer ' + TOK[role] } });
	const j = await r.json();
	if (!r.ok)
		throw new Error(`GET ${p} as ${role}: ${r.status} ` +
		    JSON.stringify(j));
	return j;
}

// Wait for the view whose h1 matches re, rendered (no aria-busy left).
async function view(page, re) {
	await page.locator('#view .view:not([aria-busy]) h1', { hasText: re })
	    .first().waitFor();
}

async function shot(page, name) {
	await page.screenshot({ path: path.join(OUT, name + '.png'),
	    fullPage: true });
}

async function signIn(page, role) {
	await page.goto(BASE + '/ui/#/overview');
	await page.getByLabel('API token').fill(TOK[role]);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await page.locator('#who-name', { hasText: `(${role}` }).waitFor();
	await view(page, /Overview/);
}

async function signOut(page) {
	await page.getByRole('button', { name: 'Sign out' }).click();
	await page.getByLabel('API token').waitFor();
}

async function metric(page, name) {
	return (await page.locator(`[data-metric="${name}"]`).textContent())
	    .trim();
}

fs.mkdirSync(OUT, { recursive: true });
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
	executablePath: BROWSER,
	headless: true,
	acceptDownloads: true,
	viewport: { width: 1200, height: 900 },
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
	    '--disable-component-update', '--disable-sync', '--no-first-run',
	    '--disable-quic', '--disable-dev-shm-usage'],
});
ctx.setDefaultTimeout(10000);
const page = ctx.pages()[0] || await ctx.newPage();
const problems = [];
// Chromium logs every non-2xx fetch ("Failed to load resource"); the
// refusals this story provokes are expected, anything else is not.
page.on('console', (m) => {
	if (m.type() === 'error' &&
	    !/^Failed to load resource: .* (401|403)/.test(m.text()))
		problems.push('console: ' + m.text());
});
page.on('pageerror', (e) => problems.push('page error: ' + e.message));

let serial = null;	// the certificate of the user searched for

await step('sign-in page', async () => {
	const r = await page.goto(BASE + '/');
	ok(r.url() === BASE + '/ui/', '/ redirects to /ui/', r.url());
	const h = r.headers();
	ok(/script-src 'self'/.test(h['content-security-policy'] || ''),
	    'the page is served with its Content-Security-Policy',
	    JSON.stringify(h));
	await page.getByLabel('API token').waitFor();
	ok(await page.getByRole('heading', { name: 'Sign in' }).isVisible(),
	    'signed out, the page asks for a token in a labelled field');
});

await step('admin overview', async () => {
	await signIn(page, 'admin');
	const me = await apiGet('admin', '/me');
	ok(await page.locator('#who-name', { hasText: me.name }).isVisible(),
	    'signed in as admin, the header shows the name from /me');
	const o = await apiGet('admin', '/overview');
	is([await metric(page, 'certificates.valid'),
	    await metric(page, 'certificates.revoked'),
	    await metric(page, 'certificates.expired')],
	    [o.certificates.valid, o.certificates.revoked,
		o.certificates.expired].map(String),
	    'overview: certificates by state as /overview says');
	const free = o.seats.free === null ? 'unlimited' : String(o.seats.free);
	const total = o.seats.total === null ? 'unlimited' :
	    String(o.seats.total);
	is([await metric(page, 'seats.used'), await metric(page, 'seats.free'),
	    await metric(page, 'seats.total')], [String(o.seats.used), free,
	    total], 'overview: seats used/free/total as /overview says');
	is([await metric(page, 'outbox.pending'),
	    await metric(page, 'outbox.failed')],
	    [String(o.outbox.pending), String(o.outbox.failed)],
	    'overview: outbox backlog as /overview says');
	const days = [];
	for (const d of o.domains)
		days.push((await page.locator(`[data-domain-days="${d.name}"]`)
		    .textContent()).trim());
	is(days, o.domains.map((d) => String(d.days_left ?? '–')),
	    `overview: days left of the ${o.domains.length} domain(s)`);
	ok(o.domains.length > 0, 'overview: /overview lists a domain');
	// The chart's table alternative: one row per day with expiries.
	const cells = await page.locator('.chart-box table tbody td')
	    .allTextContents();
	const shown = cells.reduce((a, c) => a + Number(c), 0);
	const horizon = new Date(Date.now() + 90 * 86400000).toISOString()
	    .slice(0, 10);
	const want = o.expiries.filter((e) => e.date < horizon)
	    .reduce((a, e) => a + e.count, 0);
	ok(shown === want && await page.locator('svg.chart[role="img"]')
	    .count() === 1, `overview: the expiry chart and its table ` +
	    `(${want} within 90 days)`, `table total ${shown}, API ${want}`);
	await shot(page, 'overview');
});

await step('search a user with the keyboard', async () => {
	await page.goto(BASE + '/ui/#/users');
	await view(page, /Users/);
	// Keyboard only: from the top of the page, Tab until the search
	// field has the focus.
	await page.evaluate(() => document.activeElement.blur());
	let tabs = 0;
	while (tabs < 30 && await page.evaluate(() =>
	    document.activeElement.id) !== 'users-q') {
		await page.keyboard.press('Tab');
		tabs++;
	}
	ok(await page.evaluate(() => document.activeElement.id) === 'users-q',
	    `the search field is reached with Tab (${tabs} presses)`);
	const label = await page.evaluate(() =>
	    document.activeElement.labels[0]?.textContent);
	ok(label === 'Search users', 'the search field has a label', label);
	await page.keyboard.type(SEARCH);
	await page.keyboard.press('Enter');
	const api = await apiGet('admin', '/users?q=' +
	    encodeURIComponent(SEARCH));
	ok(api.total >= 1, `the API finds "${SEARCH}"`);
	const u = api.items[0];
	const row = page.locator('#users-results tbody tr', { hasText: u.email });
	await row.first().waitFor();
	is(await page.locator('#users-results tbody tr').count(),
	    api.items.length, `search "${SEARCH}": the rows the API answers`);
	ok(await row.first().locator('th[scope="row"]').textContent() ===
	    `${u.given_name} ${u.surname}`, `found ${u.email} by name`);
	ok(page.url().includes('q=' + encodeURIComponent(SEARCH)),
	    'the search is kept in the address', page.url());
	await shot(page, 'users');
	serial = u.certificates[0];
	ok(!!serial, `${u.email} has a certificate`);
	await row.first().getByRole('link', { name: serial }).click();
	await view(page, new RegExp('Certificate ' + serial));
	const c = await apiGet('admin', '/certificates/' + serial);
	is(await page.locator('[data-field="email"]').textContent(), c.email,
	    'the certificate detail shows its address');
	is(await page.locator('[data-field="state"]').textContent(), 'valid',
	    'the certificate is valid');
	is(await page.locator('[data-field="not_after"]').textContent(),
	    c.not_after.slice(0, 10) + ' ' + c.not_after.slice(11, 16) + ' UTC',
	    'the certificate detail shows notAfter');
	const [dl] = await Promise.all([page.waitForEvent('download'),
	    page.getByRole('link', { name: 'Download PEM' }).click()]);
	const pem = fs.readFileSync(await dl.path(), 'utf8');
	ok(pem === c.pem && dl.suggestedFilename() === serial + '.pem',
	    'the PEM download is the API\'s PEM, named SERIAL.pem',
	    dl.suggestedFilename());
	await shot(page, 'certificate');
});

await step('sign out', async () => {
	await signOut(page);
	ok(await page.evaluate(() => sessionStorage.length) === 0,
	    'signing out forgets the token');
});

await step('operator revokes', async () => {
	await signIn(page, 'operator');
	ok(await page.getByRole('button', { name: 'Sync now' }).isEnabled(),
	    'the operator has "Sync now"');
	await page.goto(BASE + '/ui/#/certificates/' + serial);
	await view(page, new RegExp('Certificate ' + serial));
	await page.getByLabel('Reason').selectOption('keyCompromise');
	await page.getByRole('button', { name: 'Revoke', exact: true }).click();
	await page.getByRole('button', { name: 'Confirm revocation' }).click();
	await page.locator('#status', { hasText: 'revoked' }).waitFor();
	await page.locator('[data-field="state"]', { hasText: 'revoked' })
	    .waitFor();
	const c = await apiGet('operator', '/certificates/' + serial);
	is([c.state, c.reason], ['revoked', 'keyCompromise'],
	    'revoked as operator: the API says revoked, keyCompromise');
	console.log('# revoked ' + serial);
});

await step('domains', async () => {
	await page.goto(BASE + '/ui/#/domains');
	await view(page, /Domains/);
	const d = await apiGet('operator', '/domains');
	let all = true;
	for (const x of d.items) {
		const row = page.locator('tbody tr', { hasText: x.name });
		all &&= await row.locator('code', { hasText: x.txt_name })
		    .count() === 1 && await row.locator('code',
		    { hasText: x.txt_value }).count() === 1;
	}
	ok(all && d.items.length > 0, `domains: the TXT record of each of ` +
	    `${d.items.length} domain(s)`);
	ok(await page.getByRole('button', { name: 'Copy TXT value for ' +
	    d.items[0].name }).count() === 1, 'the TXT value has a copy button');
	await shot(page, 'domains');
});

await step('audit log', async () => {
	await page.goto(BASE + '/ui/#/audit');
	await view(page, /Audit log/);
	const a = await apiGet('operator', '/audit?limit=50');
	const ids = await page.locator('tbody th[scope="row"]')
	    .allTextContents();
	is(ids, a.items.map((e) => String(e.id)),
	    'audit log: the newest entries, newest first');
	ok(a.items.some((e) => JSON.stringify(e).toUpperCase()
	    .includes(serial.toUpperCase())),
	    'the audit log has the revocation');
	await shot(page, 'audit');
	// Last, as it may reissue the certificate just revoked.
	await page.goto(BASE + '/ui/#/overview');
	await view(page, /Overview/);
	await page.getByRole('button', { name: 'Sync now' }).click();
	const st = page.locator('#status');
	await st.filter({ hasText: /./ }).waitFor();
	const text = await st.textContent();
	ok(text === 'Sync queued.' || /\(409\)$/.test(text),
	    '"Sync now" queues a sync (or says one is under way)', text);
	await signOut(page);
});

await step('viewer may not revoke', async () => {
	await signIn(page, 'viewer');
	ok(await page.getByRole('button', { name: 'Sync now' }).count() === 0,
	    'a viewer has no "Sync now"');
	const list = await apiGet('viewer', '/certificates?state=valid');
	const other = list.items.find((c) => c.serial !== serial);
	await page.goto(BASE + '/ui/#/certificates/' + other.serial);
	await view(page, new RegExp('Certificate ' + other.serial));
	const btn = page.getByRole('button', { name: 'Revoke', exact: true });
	ok(await btn.count() === 0 || await btn.isDisabled(),
	    'a viewer sees no usable Revoke button');
	// Forced: re-enable the form as a user could in the developer tools.
	await page.evaluate(() => document.querySelector('.revoke fieldset')
	    .removeAttribute('disabled'));
	await btn.click();
	await page.getByRole('button', { name: 'Confirm revocation' }).click();
	const r = await fetch(BASE + '/api/v1/certificates/' + other.serial +
	    '/revoke', { method: 'POST', headers: {
		Authorization: 'Bearer ' + TOK.viewer,
		'Content-Type': 'application/json' },
	    body: JSON.stringify({ reason: 'keyCompromise' }) });
	const e = (await r.json()).error;
	is(r.status, 403, 'the API refuses a viewer\'s revoke with 403');
	const msg = page.locator('#revoke-msg', { hasText: e.message });
	await msg.waitFor();
	ok(await msg.isVisible(), `forced, the page shows the API's 403 ` +
	    `message "${e.message}"`);
	is((await apiGet('viewer', '/certificates/' + other.serial)).state,
	    'valid', 'the certificate stayed valid');
});

await step('a refused token', async () => {
	await page.evaluate(() => sessionStorage.setItem('mailcert.token',
	    'mct_' + 'A'.repeat(43)));
	await page.reload();
	const m = page.locator('#signin-msg', { hasText: 'Sign in again' });
	await m.waitFor();
	ok(await page.getByLabel('API token').isVisible(),
	    'a 401 returns to the sign-in with a message');
});

await step('narrow window', async () => {
	await signIn(page, 'admin');
	await page.setViewportSize({ width: 360, height: 740 });
	const routes = [['overview', /Overview/], ['users?q=' +
	    encodeURIComponent(SEARCH), /Users/], ['certificates/' + serial,
	    /Certificate/], ['domains', /Domains/], ['audit', /Audit log/]];
	const wide = [];
	for (const [r, re] of routes) {
		await page.goto(BASE + '/ui/#/' + r);
		await page.reload();
		await view(page, re);
		const w = await page.evaluate(() =>
		    document.documentElement.scrollWidth);
		if (w > 360)
			wide.push(`${r}: ${w}px`);
		await shot(page, 'narrow' + (r === 'overview' ? '' : '-' +
		    r.replace(/[/?].*/, '')));
	}
	ok(wide.length === 0, 'at 360x740 no page scrolls sideways',
	    ...wide);
});

ok(problems.length === 0, 'no script error or CSP violation in the console',
    ...problems);

await ctx.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`1..${n}`);
console.log(`# screenshots in ${OUT}`);
process.exit(failed ? 1 : 0);
