// chart.js: expiries over the next days as an inline SVG bar chart, one
// bar a day, with a table carrying the same numbers for screen readers
// and for anyone who prefers text.

import { h, s, table } from './dom.js';

const W = 720, H = 180, PADL = 32, PADB = 24, PADT = 8;

function isoDay(d) {
	return d.toISOString().slice(0, 10);
}

// expiries: [{date: "YYYY-MM-DD", count}], days: the span from today (UTC).
export function expiryChart(expiries, days) {
	const start = new Date();
	start.setUTCHours(0, 0, 0, 0);
	const byDay = new Map(expiries.map((e) => [e.date, e.count]));
	const counts = [];
	for (let i = 0; i < days; i++) {
		const d = new Date(start.getTime() + i * 86400000);
		counts.push([isoDay(d), byDay.get(isoDay(d)) || 0]);
	}
	const total = expiries.reduce((a, e) => a + e.count, 0);
	const max = Math.max(1, ...expiries.map((e) => e.count));
	const bw = (W - PADL) / days;
	const y = (n) => PADT + (H - PADT - PADB) * (1 - n / max);

	const summary = total === 0 ?
	    `No certificate expires in the next ${days} days.` :
	    `${total} certificate${total === 1 ? '' : 's'} expire in the next ` +
	    `${days} days, at most ${max} on one day.`;
	const svg = s('svg', {
		class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
		'aria-labelledby': 'chart-title chart-desc',
	},
	    s('title', { id: 'chart-title' }, `Expiries over the next ${days} days`),
	    s('desc', { id: 'chart-desc' }, summary),
	    s('line', { class: 'axis', x1: PADL, y1: H - PADB, x2: W,
		y2: H - PADB }),
	    s('line', { class: 'axis', x1: PADL, y1: PADT, x2: PADL,
		y2: H - PADB }),
	    s('text', { class: 'tick', x: PADL - 4, y: PADT + 10,
		'text-anchor': 'end' }, String(max)),
	    s('text', { class: 'tick', x: PADL - 4, y: H - PADB,
		'text-anchor': 'end' }, '0'),
	    [0, 30, 60, 90].filter((d) => d <= days).map((d) =>
		s('text', { class: 'tick', x: PADL + d * bw, y: H - 6,
		    'text-anchor': d === 0 ? 'start' : d === days ? 'end' :
		    'middle' }, d === 0 ? 'today' : `+${d} d`)),
	    counts.filter(([, n]) => n > 0).map(([date, n]) => {
		const i = counts.findIndex(([d]) => d === date);
		return s('rect', { class: 'bar', x: PADL + i * bw + bw * 0.1,
		    y: y(n), width: Math.max(1, bw * 0.8),
		    height: H - PADB - y(n) },
		    s('title', {}, `${date}: ${n}`));
	    }));
	const rows = expiries.filter((e) => counts.some(([d]) => d === e.date))
	    .map((e) => [{ th: e.date }, String(e.count)]);
	return h('figure', { class: 'chart-box' }, svg,
	    h('figcaption', {}, summary),
	    h('details', {}, h('summary', {}, 'Expiries as a table'),
		rows.length ? table(null, ['Date', 'Certificates'], rows) :
		h('p', {}, 'None.')));
}
