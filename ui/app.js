// app.js: the dashboard's entry point: sign-in, the header (who is signed
// in, GET /me), the status line and hash routing to the views.

import { api, ApiError, clearToken, getToken, setToken } from './api.js';
import { fill, h } from './dom.js';
import { auditView } from './audit.js';
import { certView } from './cert.js';
import { certsView, usersView } from './users.js';
import { domainsView } from './domains.js';
import { overviewView } from './overview.js';

const $ = (id) => document.getElementById(id);

const routes = [
	[/^\/overview$/, overviewView],
	[/^\/users$/, usersView],
	[/^\/certificates$/, certsView],
	[/^\/certificates\/([0-9A-Fa-f]+)$/, certView],
	[/^\/domains$/, domainsView],
	[/^\/audit$/, auditView],
];

const ROLES = ['viewer', 'operator', 'admin'];

const ctx = {
	me: null,
	// 1 if the signed-in token may act at least as role.
	may(role) {
		return this.me !== null &&
		    ROLES.indexOf(this.me.role) >= ROLES.indexOf(role);
	},
	status,
	fail,
};

let generation = 0;

// A message in the live region; kind "error" also marks it as such.
function status(text, kind) {
	const el = $('status');
	el.className = 'status' + (kind ? ' status-' + kind : '');
	el.textContent = text;
}

// An API failure: 401 ends the session, anything else is shown.
function fail(e) {
	if (e instanceof ApiError && e.status === 401) {
		signOut('The daemon refused the token (' + e.message +
		    '). Sign in again.');
		return;
	}
	status(e instanceof ApiError ? `${e.message} (${e.status})` :
	    String(e.message || e), 'error');
}

function signOut(msg) {
	clearToken();
	ctx.me = null;
	showSignin(msg);
}

function showSignin(msg) {
	$('nav').hidden = true;
	$('who').hidden = true;
	fill($('view'));
	$('signin').hidden = false;
	const m = $('signin-msg');
	m.hidden = !msg;
	m.textContent = msg || '';
	if (msg)
		status(msg, 'error');
	$('token').value = '';
	$('token').focus();
}

// Parse "#/users?q=x" into a path and its parameters.
function parseHash() {
	const raw = location.hash.startsWith('#/') ? location.hash.slice(1) :
	    '/overview';
	const i = raw.indexOf('?');
	return {
		path: decodeURIComponent(i < 0 ? raw : raw.slice(0, i)),
		params: new URLSearchParams(i < 0 ? '' : raw.slice(i + 1)),
	};
}

async function route() {
	if (!getToken()) {
		showSignin();
		return;
	}
	const gen = ++generation;
	if (ctx.me === null) {
		try {
			ctx.me = await api('GET', '/me');
		} catch (e) {
			fail(e);
			return;
		}
		if (gen !== generation)
			return;
		$('who-name').textContent = `${ctx.me.name} (${ctx.me.role}` +
		    (ctx.me.groups ? ', groups ' + ctx.me.groups.join(', ') :
		    '') + ')';
		$('who').hidden = false;
		$('nav').hidden = false;
	}
	$('signin').hidden = true;
	const { path, params } = parseHash();
	for (const a of document.querySelectorAll('#nav a')) {
		const here = path === a.getAttribute('href').slice(1) ||
		    path.startsWith(a.getAttribute('href').slice(1) + '/');
		if (here)
			a.setAttribute('aria-current', 'page');
		else
			a.removeAttribute('aria-current');
	}
	const view = $('view');
	for (const [re, fn] of routes) {
		const m = re.exec(path);
		if (!m)
			continue;
		const root = h('div', { class: 'view', 'aria-busy': 'true' });
		fill(view, root);
		try {
			await fn(root, { args: m.slice(1), params }, ctx);
		} catch (e) {
			if (gen === generation)
				fail(e);
		}
		root.removeAttribute('aria-busy');
		if (gen !== generation)
			return;
		const t = root.querySelector('h1');
		if (t && document.activeElement === document.body)
			t.focus();
		return;
	}
	fill(view, h('h1', { tabindex: '-1' }, 'Not found'),
	    h('p', {}, 'There is no page ', h('code', {}, path), '. ',
		h('a', { href: '#/overview' }, 'Go to the overview'), '.'));
}

$('signin-form').addEventListener('submit', (ev) => {
	ev.preventDefault();
	const t = $('token').value.trim();
	if (!t)
		return;
	setToken(t);
	ctx.me = null;
	status('');
	$('token').value = '';
	if (!location.hash.startsWith('#/'))
		location.hash = '#/overview';
	else
		route();
});

$('signout').addEventListener('click', () => {
	signOut();
	status('Signed out.');
});

// Only "#/..." is a route: "#main" is the skip link.
window.addEventListener('hashchange', () => {
	if (location.hash.startsWith('#/') || location.hash === '') {
		status('');
		document.activeElement.blur();
		route();
	}
});

route();
