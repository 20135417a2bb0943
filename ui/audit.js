// audit.js: the audit log (GET /audit), newest first, paged backwards by
// the id of the oldest entry shown ("before").

import { api, qs } from './api.js';
import { fill, fmtTime, h, table, title } from './dom.js';

const LIMIT = 50;

export async function auditView(root, route, ctx) {
	const pages = [];	// the "before" of every page shown so far
	let before = route.params.get('before') || null;
	const results = h('div', { 'aria-live': 'polite' });

	async function load() {
		history.replaceState(null, '', '#/audit' + qs({ before }));
		const page = await api('GET', '/audit' + qs({ before,
		    limit: LIMIT }));
		const items = page.items;
		const last = items.length ? items[items.length - 1].id : null;
		const older = h('button', { type: 'button',
		    disabled: items.length < LIMIT || last === null,
		    onclick() { pages.push(before); before = last; go(); } },
		    'Older entries');
		const newer = h('button', { type: 'button',
		    disabled: pages.length === 0,
		    onclick() { before = pages.pop(); go(); } }, 'Newer entries');
		fill(results, items.length ? table(`Audit entries ` +
		    `${items[0].id}–${last} of ${page.total}`, ['#', 'Time', 'Actor', 'Action', 'Target',
			'Result', 'Hash'],
		    items.map((e) => [{ th: String(e.id) }, fmtTime(e.at), e.actor,
			e.action, e.target || '–', e.result,
			h('code', { class: 'hash', title: e.hash },
			    (e.hash || '').slice(0, 12))]), 'list') :
		    h('p', {}, 'No entries.'),
		    h('div', { class: 'pager' }, newer, older));
	}
	async function go() {
		try {
			await load();
		} catch (e) {
			ctx.fail(e);
		}
	}
	fill(root, title('Audit log'),
	    h('p', {}, 'Every change, newest first. Each entry carries the ' +
		'hash of the one before it; ', h('code', {},
		'mailcert audit verify'), ' checks the chain.'), results);
	await load();
}
