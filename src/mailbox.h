/*
 * mailbox.h: e-mail address syntax (RFC 5321 Mailbox, section 4.1.2) as the
 * S/MIME profile needs it for an rfc822Name.
 *
 * Accepted: Dot-string local parts of ASCII atext (at most 64 octets), and a
 * domain of at least two LDH labels (at most 255 octets), 254 octets in all.
 * Refused with a message saying why: quoted local parts, address literals,
 * and non-ASCII local parts or domains (internationalised local parts need
 * SmtpUTF8Mailbox, RFC 8398, which mailcert does not issue yet; domains must
 * be given as A-labels).
 */
#ifndef MAILCERT_MAILBOX_H
#define MAILCERT_MAILBOX_H

/*
 * Check addr and return its normal form in *out: the local part unchanged,
 * the domain lower-cased. ERR_INVALID with a message naming the problem.
 * *out is the caller's (free()).
 */
int	mailbox_normalize(char **out, const char *addr);

/*
 * Check that dom is a domain mailcert accepts in an address (at least two
 * LDH labels, A-labels for IDNs, at most 255 octets). ERR_INVALID with a
 * message naming the problem.
 */
int	mailbox_domain_check(const char *dom);

/* The domain part of a normalised address, "" if it has no '@'.
 * Borrowed from addr. */
const char *mailbox_domain(const char *addr);

#endif
