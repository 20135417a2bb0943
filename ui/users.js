// users.js: the users and certificates tables (GET /users, GET
// /certificates), searched with the API's q parameter.

import { pagedList } from './paged.js';
import { badge, fmtDate, h } from './dom.js';

function certLink(serial) {
	return h('a', { href: '#/certificates/' + encodeURIComponent(serial),
	    class: 'serial' }, serial);
}

function fullName(o) {
	return [o.given_name, o.surname].filter(Boolean).join(' ') || '–';
}

export function usersView(root, route, ctx) {
	return pagedList({
		root, params: route.params, id: 'users', path: '/users',
		title: 'Users', what: 'Users', label: 'Search users',
		hint: 'Part of a name or an e-mail address.',
		heads: ['Name', 'E-mail', 'Groups', 'Certificates'],
		row: (u) => [{ th: fullName(u) }, u.email,
		    (u.groups || []).join(', ') || '–',
		    (u.certificates || []).length ?
		    h('ul', { class: 'plain' }, u.certificates.map((s) =>
			h('li', {}, certLink(s)))) : '–'],
	}, ctx);
}

export function certsView(root, route, ctx) {
	const state = route.params.get('state');
	return pagedList({
		root, params: route.params, id: 'certs', path: '/certificates',
		extra: { state }, title: 'Certificates', what: 'Certificates',
		label: 'Search certificates',
		hint: 'Part of a name, an e-mail address or a serial.',
		heads: ['Serial', 'Name', 'E-mail', 'State', 'Expires'],
		row: (c) => [{ th: certLink(c.serial) }, fullName(c), c.email,
		    badge(c.state), fmtDate(c.not_after)],
	}, ctx);
}
