// overview.js: GET /overview as cards: certificates by state, expiries
// over the next 90 days, seats, domains, CAs, the outbox and the last
// sync, with "Sync now" (POST /sync) for operators.

import { api } from './api.js';
import { badge, fill, fmtNum, fmtTime, h, table, title } from './dom.js';
import { expiryChart } from './chart.js';

// A number the test compares with the API: data-metric names its path.
function metric(path, v) {
	return h('span', { 'data-metric': path }, fmtNum(v));
}

function card(heading, ...body) {
	const id = 'card-' + heading.toLowerCase().replace(/[^a-z]+/g, '-');
	return h('section', { class: 'card', 'aria-labelledby': id },
	    h('h2', { id }, heading), ...body);
}

function syncCard(o, ctx) {
	const sy = o.sync || {};
	const msg = h('p', { class: 'hint' });
	const btn = ctx.may('operator') ? h('button', {
		type: 'button',
		async onclick() {
			btn.disabled = true;
			try {
				await api('POST', '/sync');
				ctx.status('Sync queued.');
				fill(msg, 'Sync queued; reload to see the result.');
			} catch (e) {
				ctx.fail(e);
			} finally {
				btn.disabled = false;
			}
		},
	}, 'Sync now') : null;
	return card('Directory sync',
	    h('dl', { class: 'kv' },
		h('dt', {}, 'Last success'),
		h('dd', {}, fmtTime(sy.last_success)),
		h('dt', {}, 'Duration'),
		h('dd', {}, sy.duration_ms === null || sy.duration_ms ===
		    undefined ? '–' : `${sy.duration_ms} ms`),
		h('dt', {}, 'Running'),
		h('dd', {}, sy.running ? 'yes' : 'no')),
	    btn, msg);
}

export async function overviewView(root, _route, ctx) {
	const o = await api('GET', '/overview');
	const c = o.certificates || {};
	const seats = o.seats || {};
	const out = o.outbox || {};
	fill(root, title('Overview'),
	    h('div', { class: 'cards' },
		card('Certificates',
		    table(null, ['State', 'Count'], [
			[{ th: 'Valid' }, metric('certificates.valid', c.valid)],
			[{ th: 'Revoked' },
			    metric('certificates.revoked', c.revoked)],
			[{ th: 'Expired' },
			    metric('certificates.expired', c.expired)],
		    ]),
		    h('p', {}, h('a', { href: '#/certificates' },
			'All certificates'))),
		card('Seats',
		    h('dl', { class: 'kv' },
			h('dt', {}, 'Used'),
			h('dd', {}, metric('seats.used', seats.used)),
			h('dt', {}, 'Quota'),
			h('dd', {}, metric('seats.total', seats.total ===
			    null ? 'unlimited' : seats.total)),
			h('dt', {}, 'Free'),
			h('dd', {}, metric('seats.free', seats.free === null ?
			    'unlimited' : seats.free))),
		    seats.total ? h('meter', { min: 0, max: seats.total,
			value: seats.used, 'aria-label': 'Seats used' }) : null),
		card('Outbox',
		    h('dl', { class: 'kv' },
			h('dt', {}, 'Pending'),
			h('dd', {}, metric('outbox.pending', out.pending)),
			h('dt', {}, 'Failed'),
			h('dd', {}, metric('outbox.failed', out.failed)))),
		syncCard(o, ctx)),
	    card('Expiries over the next 90 days',
		expiryChart(o.expiries || [], 90)),
	    h('div', { class: 'cards' },
		card('Domains', (o.domains || []).length ?
		    table(null, ['Domain', 'State', 'Days left'],
			o.domains.map((d) => [{ th: d.name }, badge(d.state),
			    h('span', { 'data-domain-days': d.name },
				fmtNum(d.days_left))])) :
		    h('p', {}, 'No domains yet.'),
		    h('p', {}, h('a', { href: '#/domains' }, 'TXT records'))),
		card('Certification authorities', (o.cas || []).length ?
		    table(null, ['CA', 'Role', 'Days left'],
			o.cas.map((a) => [{ th: a.name }, a.role,
			    fmtNum(a.days_left)])) :
		    h('p', {}, 'No CA.'))));
}
