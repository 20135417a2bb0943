// paged.js: a searchable, paged list over an API collection
// ({items, total, limit, offset}); the search text and the page live in
// the hash ("#/users?q=anna&offset=25") so they survive a reload and the
// back button, without re-running the router on every keystroke.

import { api, qs } from './api.js';
import { fill, h, table } from './dom.js';

const LIMIT = 25;

// opts: {root, label, path (API collection), params (the route's),
// extra (other API parameters), heads, row(item) -> cells, what}
export async function pagedList(opts, ctx) {
	const { root, params } = opts;
	let q = params.get('q') || '';
	let offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
	const idq = opts.id + '-q';
	const input = h('input', { id: idq, name: 'q', type: 'search', value: q,
	    autocomplete: 'off', 'aria-describedby': opts.id + '-hint' });
	const results = h('div', { id: opts.id + '-results',
	    'aria-live': 'polite' });

	async function load() {
		const hash = location.hash.split("?")[0] + qs({ ...opts.extra, q, offset:
		    offset || null });
		history.replaceState(null, '', hash);
		results.setAttribute('aria-busy', 'true');
		let page;
		try {
			page = await api('GET', opts.path + qs({ ...opts.extra, q,
			    limit: LIMIT, offset }));
		} catch (e) {
			results.removeAttribute('aria-busy');
			ctx.fail(e);
			return;
		}
		results.removeAttribute('aria-busy');
		const n = page.items.length;
		const range = n ? `${page.offset + 1}–${page.offset + n} of ` +
		    `${page.total}` : `0 of ${page.total}`;
		const prev = h('button', { type: 'button', disabled: offset === 0,
		    onclick() { offset = Math.max(0, offset - LIMIT); load(); } },
		    'Previous page');
		const next = h('button', { type: 'button',
		    disabled: page.offset + n >= page.total,
		    onclick() { offset += LIMIT; load(); } }, 'Next page');
		fill(results,
		    n ? table(`${opts.what}: ${range}` + (q ? ` matching “${q}”` :
			''), opts.heads, page.items.map(opts.row), 'list') :
		    h('p', {}, q ? `No ${opts.what.toLowerCase()} match “${q}”.` :
			`No ${opts.what.toLowerCase()}.`),
		    h('div', { class: 'pager' }, prev, h('span', {}, range), next));
	}

	fill(root, h('h1', { tabindex: '-1' }, opts.title),
	    h('form', { class: 'search', role: 'search',
		onsubmit(ev) { ev.preventDefault(); q = input.value.trim();
		    offset = 0; load(); } },
		h('label', { for: idq }, opts.label), input,
		h('button', { type: 'submit' }, 'Search'),
		h('p', { id: opts.id + '-hint', class: 'hint' }, opts.hint)),
	    results);
	await load();
}
