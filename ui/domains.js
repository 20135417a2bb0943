// domains.js: GET /domains: each domain's state and days left, and the
// DNS TXT record that proves control of it, with copy buttons.

import { api } from './api.js';
import { badge, fill, fmtNum, fmtTime, h, table, title } from './dom.js';

// A value with a button that copies it; the text stays selectable for
// browsers without clipboard access.
function copyable(text, what, ctx) {
	return h('span', { class: 'copy' }, h('code', {}, text),
	    h('button', {
		type: 'button', class: 'small', 'aria-label': 'Copy ' + what,
		async onclick() {
			try {
				await navigator.clipboard.writeText(text);
				ctx.status(`Copied ${what}.`);
			} catch {
				ctx.status(`The browser refused the clipboard; ` +
				    `select the text of ${what} instead.`, 'error');
			}
		},
	    }, 'Copy'));
}

export async function domainsView(root, _route, ctx) {
	const page = await api('GET', '/domains?limit=500');
	const items = page.items;
	fill(root, title('Domains'),
	    h('p', {}, 'Certificates are issued only for addresses in ' +
		'verified domains. To verify one, publish this TXT record in ' +
		'its DNS zone.'),
	    items.length ? table(`${items.length} of ${page.total} domains`,
		['Domain', 'State', 'Days left', 'Verified', 'TXT record'],
		items.map((d) => [{ th: d.name }, badge(d.state),
		    fmtNum(d.days_left), fmtTime(d.verified_at),
		    h('div', { class: 'txt' },
			h('div', {}, 'Name ', copyable(d.txt_name,
			    `TXT name for ${d.name}`, ctx)),
			h('div', {}, 'Value ', copyable(d.txt_value,
			    `TXT value for ${d.name}`, ctx)),
			d.last_error ? h('div', { class: 'error' },
			    'Last check: ', d.last_error) : null)]), 'list') :
	    h('p', {}, 'No domains yet: add one with ',
		h('code', {}, 'mailcert domain add NAME'), '.'));
}
