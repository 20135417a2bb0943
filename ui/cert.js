// cert.js: one certificate (GET /certificates/SERIAL): every field, the
// PEM as a download made in the browser, and revocation for operators.
// A viewer sees the revoke form disabled; should a request go out anyway,
// the API's 403 message is what the page shows.

import { api } from './api.js';
import { badge, fill, fmtNum, fmtTime, h, title } from './dom.js';

const REASONS = [
	['keyCompromise', 'Key compromise'],
	['affiliationChanged', 'Affiliation changed'],
	['superseded', 'Superseded'],
	['cessationOfOperation', 'Cessation of operation'],
	['privilegeWithdrawn', 'Privilege withdrawn'],
];

const FIELDS = [
	['serial', 'Serial'], ['state', 'State'], ['email', 'E-mail'],
	['given_name', 'Given name'], ['surname', 'Surname'], ['ca', 'CA'],
	['profile', 'Profile'], ['key_alg', 'Key'], ['usage', 'Usage'],
	['not_before', 'Not before'], ['not_after', 'Not after'],
	['days_left', 'Days left'], ['revoked_at', 'Revoked at'],
	['reason', 'Revocation reason'], ['user_id', 'User'],
	['superseded_by', 'Superseded by'], ['managed', 'Managed by sync'],
];

function value(c, k) {
	const v = c[k];
	switch (k) {
	case 'state':
		return badge(v);
	case 'not_before': case 'not_after': case 'revoked_at':
		return fmtTime(v);
	case 'user_id':
		return v === null || v === undefined ? '–' :
		    h('a', { href: '#/users?q=' + encodeURIComponent(c.email) },
			String(v));
	case 'superseded_by':
		return v ? h('a', { href: '#/certificates/' +
		    encodeURIComponent(v) }, v) : '–';
	case 'managed':
		return v ? 'yes' : 'no';
	case 'usage':
		return Array.isArray(v) ? v.join(', ') : fmtNum(v);
	default:
		return v === null || v === undefined || v === '' ? '–' : String(v);
	}
}

// The revoke form: reason, then a second button to confirm.
function revokeForm(c, ctx, reload) {
	const allowed = ctx.may('operator');
	const msg = h('p', { id: 'revoke-msg', class: 'error', role: 'alert' });
	const select = h('select', { id: 'reason', name: 'reason' },
	    REASONS.map(([v, t]) => h('option', { value: v }, t)));
	const confirm = h('button', { type: 'submit', class: 'danger',
	    hidden: true }, 'Confirm revocation');
	const cancel = h('button', { type: 'button', hidden: true,
	    onclick() { step(false); } }, 'Cancel');
	const start = h('button', { type: 'button', class: 'danger',
	    onclick() { step(true); } }, 'Revoke');
	function step(confirming) {
		start.hidden = confirming;
		confirm.hidden = !confirming;
		cancel.hidden = !confirming;
		(confirming ? confirm : start).focus();
	}
	const fs = h('fieldset', { disabled: !allowed },
	    h('legend', {}, 'Revoke this certificate'),
	    h('label', { for: 'reason' }, 'Reason'), select,
	    h('div', { class: 'actions' }, start, confirm, cancel));
	return h('form', {
		class: 'revoke',
		async onsubmit(ev) {
			ev.preventDefault();
			fill(msg);
			confirm.disabled = true;
			try {
				await api('POST', '/certificates/' +
				    encodeURIComponent(c.serial) + '/revoke',
				    { reason: select.value });
			} catch (e) {
				confirm.disabled = false;
				fill(msg, `${e.message} (${e.status})`);
				ctx.fail(e);
				return;
			}
			ctx.status(`Certificate ${c.serial} revoked ` +
			    `(${select.value}).`);
			await reload();
			document.querySelector(".view h1").focus();
		},
	}, fs, allowed ? null : h('p', { class: 'hint' },
	    `Revoking needs the operator role; this token is a ` +
	    `${ctx.me.role}.`), msg);
}

export async function certView(root, route, ctx) {
	const serial = route.args[0];
	async function load() {
		const c = await api('GET', '/certificates/' +
		    encodeURIComponent(serial));
		const pem = c.pem ? URL.createObjectURL(new Blob([c.pem],
		    { type: 'application/x-pem-file' })) : null;
		fill(root, title('Certificate ' + c.serial),
		    h('p', {}, h('a', { href: '#/certificates' },
			'All certificates')),
		    h('dl', { class: 'kv fields' }, FIELDS.map(([k, t]) =>
			[h('dt', {}, t), h('dd', { 'data-field': k },
			    value(c, k))])),
		    pem ? h('p', {}, h('a', { href: pem, download: c.serial +
			'.pem', class: 'button', id: 'pem-download' },
			'Download PEM')) : null,
		    c.state === 'valid' ? revokeForm(c, ctx, load) : null);
	}
	await load();
}
