/*
 * mailbox.c: e-mail address syntax for rfc822Name (RFC 5321 section 4.1.2
 * Mailbox, with the length limits of section 4.5.3.1 and RFC 3696 erratum
 * 1690: 64 octets of local part, 255 of domain, 254 in all).
 *
 * Only the Dot-string form of the local part is accepted: a quoted local
 * part or an address literal is legal SMTP but cannot be mailbox-validated
 * the way the S/MIME BR expect, and a non-ASCII local part needs
 * SmtpUTF8Mailbox (RFC 8398). For a non-ASCII domain the message spells
 * out the A-label (RFC 3492 Punycode) the user should have given.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mailbox.h"

#define LOCAL_MAX	64
#define DOMAIN_MAX	255
#define ADDR_MAX	254
#define LABEL_MAX	63

/* Room for a quoted address in a message; longer ones are cut with "...". */
#define SHOW_MAX	320

/*
 * Decode one UTF-8 sequence at s (n bytes left) into *cp; returns its
 * length, or 0 for an invalid, overlong or surrogate sequence.
 */
static size_t
utf8_next(uint32_t *cp, const unsigned char *s, size_t n)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/*
 * Copy s[0..n) into buf for a message, escaping what a terminal must not
 * see raw: control bytes (C1 controls too), invalid UTF-8, and the quote
 * and backslash that delimit the text.
 */
static const char *
show(char buf[SHOW_MAX], const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, o = 0, len;
	uint32_t cp;

	while (i < n) {
		if (o + 8 >= SHOW_MAX) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		len = utf8_next(&cp, u + i, n - i);
		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    cp == '"' || cp == '\\') {
			o += (size_t)snprintf(buf + o, SHOW_MAX - o, "\\x%02x",
			    u[i]);
			i++;
			continue;
		}
		memcpy(buf + o, u + i, len);
		o += len;
		i += len;
	}
	buf[o] = '\0';
	return buf;
}

static int
is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

static int
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-';
}

static int
has_high_bit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 1;
	return 0;
}

/* "character ' ' (0x20)" or, for a byte that does not print, "0x0a". */
static void
describe(char buf[32], unsigned char c)
{
	if (c > 0x20 && c < 0x7f)
		snprintf(buf, 32, "character '%c' (0x%02x)", c, c);
	else if (c == ' ')
		snprintf(buf, 32, "character ' ' (0x20)");
	else
		snprintf(buf, 32, "character 0x%02x", c);
}

static uint32_t
puny_adapt(uint32_t delta, uint32_t npoints, int first)
{
	uint32_t k = 0;

	delta = first ? delta / 700 : delta / 2;
	delta += delta / npoints;
	while (delta > ((36 - 1) * 26) / 2) {
		delta /= 36 - 1;
		k += 36;
	}
	return k + (36 * delta) / (delta + 38);
}

/*
 * Append the Punycode (RFC 3492 section 6.3) of the cps[0..n) to buf at *o.
 * Labels are at most 255 octets here, so no arithmetic can overflow and
 * no code point needs more than 9 digits. Returns -1 if buf is full.
 */
static int
puny_encode(char *buf, size_t bufsz, size_t *o, const uint32_t *cps,
    size_t n)
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	uint32_t cur = 128, delta = 0, bias = 72, m, q, t, k;
	size_t i, h, b = 0;

	for (i = 0; i < n; i++) {
		if (cps[i] < 0x80) {
			if (*o + 1 >= bufsz)
				return -1;
			buf[(*o)++] = (char)cps[i];
			b++;
		}
	}
	if (b > 0) {
		if (*o + 1 >= bufsz)
			return -1;
		buf[(*o)++] = '-';
	}
	for (h = b; h < n; cur++, delta++) {
		m = UINT32_MAX;
		for (i = 0; i < n; i++)
			if (cps[i] >= cur && cps[i] < m)
				m = cps[i];
		delta += (m - cur) * (uint32_t)(h + 1);
		cur = m;
		for (i = 0; i < n; i++) {
			if (cps[i] < cur)
				delta++;
			if (cps[i] != cur)
				continue;
			for (q = delta, k = 36;; k += 36) {
				t = k <= bias ? 1 : k >= bias + 26 ? 26 :
				    k - bias;
				if (q < t)
					break;
				if (*o + 1 >= bufsz)
					return -1;
				buf[(*o)++] = digits[t + (q - t) % (36 - t)];
				q = (q - t) / (36 - t);
			}
			if (*o + 1 >= bufsz)
				return -1;
			buf[(*o)++] = digits[q];
			bias = puny_adapt(delta, (uint32_t)(h + 1), h == b);
			delta = 0;
			h++;
		}
	}
	return 0;
}

/*
 * Build the A-label form of a non-ASCII domain (at most DOMAIN_MAX octets)
 * into buf. ASCII letters are lower-cased; other characters are taken as
 * they are, since full IDNA2008 mapping is beyond what a hint needs.
 * Returns -1 if the domain is not valid UTF-8 (or, which callers prevent
 * by sizing it, if buf is too small).
 */
static int
alabel(char *buf, size_t bufsz, const char *dom, size_t n)
{
	uint32_t cps[DOMAIN_MAX];
	const unsigned char *s = (const unsigned char *)dom;
	size_t i = 0, o = 0, ncp, len;
	int ascii;

	while (i <= n) {
		ncp = 0;
		ascii = 1;
		while (i < n && s[i] != '.') {
			if ((len = utf8_next(&cps[ncp], s + i, n - i)) == 0)
				return -1;
			if (cps[ncp] >= 'A' && cps[ncp] <= 'Z')
				cps[ncp] += 'a' - 'A';
			if (cps[ncp] >= 0x80)
				ascii = 0;
			ncp++;
			i += len;
		}
		if (!ascii) {
			if (o + 5 >= bufsz)
				return -1;
			memcpy(buf + o, "xn--", 4);
			o += 4;
		}
		if (ascii) {
			for (len = 0; len < ncp; len++) {
				if (o + 1 >= bufsz)
					return -1;
				buf[o++] = (char)cps[len];
			}
		} else if (puny_encode(buf, bufsz, &o, cps, ncp) == -1)
			return -1;
		if (i < n) {
			if (o + 1 >= bufsz)
				return -1;
			buf[o++] = '.';
		}
		i++;
	}
	buf[o] = '\0';
	return 0;
}

/* The local part is addr[0..n). */
static int
check_local(const char *addr, size_t n)
{
	const char *lp = addr;
	char sa[SHOW_MAX], what[32];
	size_t i;

	if (lp[0] == '"')
		return err_set(ERR_INVALID, "address \"%s\": quoted local "
		    "parts are not supported", show(sa, addr, strlen(addr)));
	if (has_high_bit(lp, n))
		return err_set(ERR_INVALID, "local part of \"%s\" is not "
		    "ASCII: an internationalised local part needs an "
		    "SmtpUTF8Mailbox (RFC 8398), which mailcert does not "
		    "issue yet",
		    show(sa, addr, strlen(addr)));
	for (i = 0; i < n; i++) {
		if (lp[i] == '.' || is_atext((unsigned char)lp[i]))
			continue;
		describe(what, (unsigned char)lp[i]);
		return err_set(ERR_INVALID, "address \"%s\": %s is not allowed "
		    "in a local part", show(sa, addr, strlen(addr)), what);
	}
	if (lp[0] == '.')
		return err_set(ERR_INVALID, "local part of \"%s\" starts with "
		    "a dot", show(sa, addr, strlen(addr)));
	if (lp[n - 1] == '.')
		return err_set(ERR_INVALID, "local part of \"%s\" ends with "
		    "a dot", show(sa, addr, strlen(addr)));
	for (i = 1; i < n; i++)
		if (lp[i] == '.' && lp[i - 1] == '.')
			return err_set(ERR_INVALID, "local part of \"%s\" has "
			    "consecutive dots", show(sa, addr, strlen(addr)));
	return 0;
}

static int
check_domain(const char *dom, size_t n)
{
	char sd[SHOW_MAX], sl[SHOW_MAX], what[32], ace[12 * DOMAIN_MAX];
	size_t i, start, len, labels = 0;
	int numeric = 0;

	if (dom[0] == '[')
		return err_set(ERR_INVALID, "domain \"%s\" is an address "
		    "literal, which is not supported", show(sd, dom, n));
	if (has_high_bit(dom, n)) {
		if (alabel(ace, sizeof(ace), dom, n) == -1)
			return err_set(ERR_INVALID, "domain \"%s\" is neither "
			    "ASCII nor valid UTF-8", show(sd, dom, n));
		return err_set(ERR_INVALID, "domain \"%s\" is not ASCII: give "
		    "it as an A-label, \"%s\"", show(sd, dom, n), ace);
	}
	for (i = 0; i < n; i++) {
		if (dom[i] == '.' || is_ldh((unsigned char)dom[i]))
			continue;
		describe(what, (unsigned char)dom[i]);
		return err_set(ERR_INVALID, "domain \"%s\": %s is not allowed "
		    "in a domain (letters, digits, hyphens and dots only)",
		    show(sd, dom, n), what);
	}
	if (dom[0] == '.')
		return err_set(ERR_INVALID, "domain \"%s\" starts with a dot",
		    show(sd, dom, n));
	if (dom[n - 1] == '.')
		return err_set(ERR_INVALID, "domain \"%s\" ends with a dot",
		    show(sd, dom, n));
	for (start = 0; start < n; start = i + 1) {
		for (i = start; i < n && dom[i] != '.'; i++)
			;
		len = i - start;
		if (len == 0)
			return err_set(ERR_INVALID, "domain \"%s\" has "
			    "consecutive dots", show(sd, dom, n));
		show(sl, dom + start, len);
		if (len > LABEL_MAX)
			return err_set(ERR_INVALID, "label \"%s\" of domain "
			    "\"%s\" is longer than %d octets (%zu)", sl,
			    show(sd, dom, n), LABEL_MAX, len);
		if (dom[start] == '-' || dom[i - 1] == '-')
			return err_set(ERR_INVALID, "label \"%s\" of domain "
			    "\"%s\" %s with a hyphen", sl, show(sd, dom, n),
			    dom[start] == '-' ? "starts" : "ends");
		numeric = strspn(dom + start, "0123456789") >= len;
		labels++;
	}
	if (labels < 2)
		return err_set(ERR_INVALID, "domain \"%s\" must have at least "
		    "two labels", show(sd, dom, n));
	if (numeric)
		return err_set(ERR_INVALID, "domain \"%s\" has an all-numeric "
		    "top-level label", show(sd, dom, n));
	return 0;
}

int
mailbox_normalize(char **out, const char *addr)
{
	char sa[SHOW_MAX], *norm = NULL;
	const char *at, *dom;
	size_t len, llen, dlen, i;
	int rc;

	*out = NULL;
	len = strlen(addr);
	if (len == 0)
		return err_set(ERR_INVALID, "e-mail address is empty");
	/*
	 * The domain can never hold an "@" while a (quoted) local part can,
	 * so the last one is the separator.
	 */
	if ((at = strrchr(addr, '@')) == NULL)
		return err_set(ERR_INVALID, "address \"%s\" has no domain "
		    "(no \"@\")", show(sa, addr, len));
	llen = (size_t)(at - addr);
	dom = at + 1;
	dlen = strlen(dom);
	if (llen == 0)
		return err_set(ERR_INVALID, "address \"%s\" has an empty local "
		    "part", show(sa, addr, len));
	if (dlen == 0)
		return err_set(ERR_INVALID, "address \"%s\" has an empty "
		    "domain", show(sa, addr, len));
	if (llen > LOCAL_MAX)
		return err_set(ERR_INVALID, "local part of \"%s\" is longer "
		    "than %d octets (%zu)", show(sa, addr, len), LOCAL_MAX,
		    llen);
	if (dlen > DOMAIN_MAX)
		return err_set(ERR_INVALID, "domain of \"%s\" is longer than "
		    "%d octets (%zu)", show(sa, addr, len), DOMAIN_MAX, dlen);
	if (len > ADDR_MAX)
		return err_set(ERR_INVALID, "address \"%s\" is longer than %d "
		    "octets (%zu)", show(sa, addr, len), ADDR_MAX, len);
	if ((rc = check_local(addr, llen)) != 0)
		return rc;
	if ((rc = check_domain(dom, dlen)) != 0)
		return rc;
	if ((norm = strdup(addr)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = llen + 1; i < len; i++)
		if (norm[i] >= 'A' && norm[i] <= 'Z')
			norm[i] += 'a' - 'A';
	*out = norm;
	return 0;
}

int
mailbox_domain_check(const char *dom)
{
	char sd[SHOW_MAX];
	size_t n = strlen(dom);

	if (n == 0)
		return err_set(ERR_INVALID, "domain is empty");
	if (n > DOMAIN_MAX)
		return err_set(ERR_INVALID, "domain \"%s\" is longer than %d "
		    "octets (%zu)", show(sd, dom, n), DOMAIN_MAX, n);
	return check_domain(dom, n);
}

const char *
mailbox_domain(const char *addr)
{
	const char *at;

	if ((at = strrchr(addr, '@')) == NULL)
		return addr + strlen(addr);
	return at + 1;
}
