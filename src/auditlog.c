/*
 * auditlog.c: the hash chain over the audit entries the store keeps
 * (store-web.h): the entry encoding, appending, and verifying the whole
 * chain against the head recorded beside it. docs/audit.md describes the
 * same encoding for verifying with other tools.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "auditlog.h"
#include "err.h"
#include "store-web.h"
#include "store-dir.h"

#define ZERO_HASH							\
	"0000000000000000000000000000000000000000000000000000000000000000"

/* Entries read per query while verifying, so memory stays bounded. */
#define VERIFY_BATCH	1000

/* One field: its length as 4 bytes big-endian, then its bytes. */
static int
hash_field(EVP_MD_CTX *md, const char *v)
{
	unsigned char len[4];
	size_t n;

	if (v == NULL)
		v = "";
	n = strlen(v);
	len[0] = (unsigned char)(n >> 24);
	len[1] = (unsigned char)(n >> 16);
	len[2] = (unsigned char)(n >> 8);
	len[3] = (unsigned char)n;
	return EVP_DigestUpdate(md, len, sizeof(len)) == 1 &&
	    EVP_DigestUpdate(md, v, n) == 1;
}

void
auditlog_hash(char out[65], const struct store_audit *e)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0, i;
	char id[24], at[24];
	EVP_MD_CTX *md;
	int ok;

	/* An empty out tells the caller that hashing failed. */
	out[0] = '\0';
	snprintf(id, sizeof(id), "%" PRId64, e->id);
	snprintf(at, sizeof(at), "%" PRId64, e->at);
	if ((md = EVP_MD_CTX_new()) == NULL)
		return;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	    hash_field(md, e->prev_hash) && hash_field(md, id) &&
	    hash_field(md, at) && hash_field(md, e->actor) &&
	    hash_field(md, e->action) && hash_field(md, e->target) &&
	    hash_field(md, e->result) &&
	    EVP_DigestFinal_ex(md, dig, &dlen) == 1 && dlen == 32;
	EVP_MD_CTX_free(md);
	if (!ok)
		return;
	for (i = 0; i < dlen; i++) {
		out[2 * i] = hex[dig[i] >> 4];
		out[2 * i + 1] = hex[dig[i] & 0xf];
	}
	out[2 * dlen] = '\0';
}

int
auditlog_append(struct store *st, int64_t now, const char *actor,
    const char *action, const char *target, const char *result)
{
	struct store_audit e;

	memset(&e, 0, sizeof(e));
	e.at = now;
	/* Borrowed: store_audit_append() reads them and frees nothing. */
	e.actor = (char *)actor;
	e.action = (char *)action;
	e.target = (char *)(target != NULL ? target : "");
	e.result = (char *)(result != NULL ? result : "ok");
	return store_audit_append(st, &e);
}

/* Record the first problem in r; later ones are consequences of it. */
static int
report_bad(struct auditlog_report *r, int64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
report_bad(struct auditlog_report *r, int64_t id, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r->bad_id = id;
	if ((r->problem = strdup(buf)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

/* The recorded head; *id 0 if there is none or it is not "ID:HASH". */
static int
read_head(int64_t *id, char hash[STORE_HASH_HEX], int *malformed,
    struct store *st)
{
	char *v = NULL, *colon, *end;
	long long n;
	int rc;

	*id = 0;
	*malformed = 0;
	hash[0] = '\0';
	if ((rc = store_setting_get(&v, st, STORE_SETTING_AUDIT_HEAD)) != 0) {
		if (rc == ERR_NOTFOUND) {
			err_clear();
			rc = 0;
		}
		return rc;
	}
	if ((colon = strchr(v, ':')) == NULL ||
	    strlen(colon + 1) != STORE_HASH_HEX - 1 ||
	    (n = strtoll(v, &end, 10)) <= 0 || end != colon)
		*malformed = 1;
	else {
		*id = n;
		memcpy(hash, colon + 1, STORE_HASH_HEX);
	}
	free(v);
	return 0;
}

/* Check one entry against the one before it (prev_id, prev_hash). */
static int
check_entry(struct auditlog_report *r, const struct store_audit *e,
    int64_t prev_id, const char *prev_hash)
{
	char want[STORE_HASH_HEX];

	if (e->id != prev_id + 1) {
		if (prev_id + 1 == e->id - 1)
			return report_bad(r, prev_id + 1, "removed: entry "
			    "%lld follows entry %lld", (long long)e->id,
			    (long long)prev_id);
		return report_bad(r, prev_id + 1, "entries %lld to %lld "
		    "removed: entry %lld follows entry %lld",
		    (long long)(prev_id + 1), (long long)(e->id - 1),
		    (long long)e->id, (long long)prev_id);
	}
	if (strcmp(e->prev_hash, prev_hash) != 0)
		return report_bad(r, e->id, "its previous hash is not the "
		    "hash of entry %lld", (long long)prev_id);
	auditlog_hash(want, e);
	if (want[0] == '\0')
		return err_ossl(ERR_CRYPTO, "cannot hash audit entry %lld",
		    (long long)e->id);
	if (strcmp(want, e->hash) != 0)
		return report_bad(r, e->id, "its contents do not match its "
		    "hash (edited)");
	return 0;
}

/*
 * The head is read before the entries: entries appended meanwhile lie
 * beyond it and are checked by the chain alone, so a verify running next
 * to a busy daemon does not report them.
 */
int
auditlog_verify(struct auditlog_report *r, struct store *st)
{
	struct store_audit **v = NULL;
	char head_hash[STORE_HASH_HEX], prev[STORE_HASH_HEX];
	int64_t head_id, prev_id = 0;
	size_t n = 0, i;
	int malformed, head_seen = 0, rc;

	memset(r, 0, sizeof(*r));
	memcpy(prev, ZERO_HASH, STORE_HASH_HEX);
	if ((rc = read_head(&head_id, head_hash, &malformed, st)) != 0)
		return rc;
	for (;;) {
		if ((rc = store_audit_list(&v, &n, st, prev_id,
		    VERIFY_BATCH)) != 0)
			goto out;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if ((rc = check_entry(r, v[i], prev_id, prev)) != 0 ||
			    r->problem != NULL)
				goto out;
			if (v[i]->id == head_id) {
				head_seen = 1;
				if (strcmp(v[i]->hash, head_hash) != 0) {
					rc = report_bad(r, v[i]->id, "its "
					    "hash is not the recorded head "
					    "(edited or replaced)");
					goto out;
				}
			}
			prev_id = v[i]->id;
			memcpy(prev, v[i]->hash, STORE_HASH_HEX);
			r->entries++;
		}
		store_audit_list_free(v, n);
		v = NULL;
		n = 0;
	}
	if (malformed)
		rc = report_bad(r, prev_id, "the recorded head (setting \"%s\") "
		    "is damaged", STORE_SETTING_AUDIT_HEAD);
	else if (head_id == 0 && prev_id > 0)
		rc = report_bad(r, prev_id, "the recorded head (setting \"%s\") "
		    "is missing", STORE_SETTING_AUDIT_HEAD);
	else if (head_id > 0 && !head_seen && head_id == prev_id + 1)
		rc = report_bad(r, head_id, "removed: the recorded head is "
		    "entry %lld, the newest entry %lld", (long long)head_id,
		    (long long)prev_id);
	else if (head_id > 0 && !head_seen)
		rc = report_bad(r, prev_id + 1, "entries %lld to %lld removed: "
		    "the recorded head is entry %lld, the newest entry %lld",
		    (long long)(prev_id + 1), (long long)head_id,
		    (long long)head_id, (long long)prev_id);
out:
	store_audit_list_free(v, n);
	return rc;
}
