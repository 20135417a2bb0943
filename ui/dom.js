// dom.js: building the page from data without innerHTML, so nothing the
// API returns is ever parsed as markup.

// h('a', {href: '#/x', class: 'c'}, 'text', child...): an element.
// Attributes starting with "on" are listeners; false/null ones are left out.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	setAttrs(el, attrs);
	append(el, children);
	return el;
}

// The same in the SVG namespace.
export function s(tag, attrs, ...children) {
	const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
	setAttrs(el, attrs);
	append(el, children);
	return el;
}

function setAttrs(el, attrs) {
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === false || v === null || v === undefined)
			continue;
		if (k.startsWith('on') && typeof v === 'function')
			el.addEventListener(k.slice(2), v);
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

// Replace everything in el.
export function fill(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

// "2026-11-23T15:17:12Z" -> "2026-11-23 15:17 UTC"; null -> "–".
export function fmtTime(t) {
	if (!t)
		return '–';
	const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(t);
	return m ? `${m[1]} ${m[2]} UTC` : t;
}

export function fmtDate(t) {
	if (!t)
		return '–';
	return t.slice(0, 10);
}

export function fmtNum(n) {
	return n === null || n === undefined ? '–' : String(n);
}

// A table: caption, column headings, rows of cells (a cell is text, a
// node, or {th: content} for a row header). Cells carry their column's
// heading so that narrow screens can show each row as a labelled block.
export function table(caption, heads, rows, cls) {
	return h('div', { class: 'scroll' },
	    h('table', { class: cls || null },
		caption ? h('caption', {}, caption) : null,
		h('thead', {}, h('tr', {},
		    heads.map((t) => h('th', { scope: 'col' }, t)))),
		h('tbody', {}, rows.map((r) => h('tr', {}, r.map((c, i) =>
		    c && typeof c === 'object' && 'th' in c ?
		    h('th', { scope: 'row', 'data-label': heads[i] }, c.th) :
		    h('td', { 'data-label': heads[i] }, c)))))));
}

// A view's heading, focusable so that navigation can move focus to it.
export function title(text) {
	return h('h1', { tabindex: '-1', class: 'view-title' }, text);
}

// A state as a badge (colour plus the word, never colour alone).
export function badge(state) {
	return h('span', { class: 'badge badge-' + String(state) }, String(state));
}
