// api.js: the only way the dashboard talks to the daemon: the JSON API
// under /api/v1 (docs/api.md) with the bearer token of this tab.

const KEY = 'mailcert.token';

export function getToken() {
	return sessionStorage.getItem(KEY);
}

export function setToken(t) {
	sessionStorage.setItem(KEY, t);
}

export function clearToken() {
	sessionStorage.removeItem(KEY);
}

// A non-2xx answer: status, the API's error code and its message.
export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.status = status;
		this.code = code;
	}
}

// Query string from an object, leaving out empty values.
export function qs(params) {
	const u = new URLSearchParams();
	for (const [k, v] of Object.entries(params)) {
		if (v !== undefined && v !== null && v !== '')
			u.set(k, String(v));
	}
	const s = u.toString();
	return s ? '?' + s : '';
}

// Call method on path (below /api/v1); resolves to the parsed JSON
// (null for an empty body), rejects with an ApiError.
export async function api(method, path, body) {
	const headers = { Accept: 'application/json' };
	const t = getToken();
	if (t)
		headers.Authorization = 'Bearer ' + t;
	const init = { method, headers, cache: 'no-store' };
	if (body !== undefined) {
		headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body);
	}
	let r;
	try {
		r = await fetch('/api/v1' + path, init);
	} catch (e) {
		throw new ApiError(0, 'network', 'The daemon cannot be reached: ' +
		    e.message);
	}
	const text = await r.text();
	let data = null;
	if (text) {
		try {
			data = JSON.parse(text);
		} catch {
			data = null;
		}
	}
	if (!r.ok) {
		const e = data && data.error;
		throw new ApiError(r.status, e && e.code ? e.code : 'http_' + r.status,
		    e && e.message ? e.message : `HTTP ${r.status} ${r.statusText}`);
	}
	return data;
}
