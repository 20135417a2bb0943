/*
 * ocsp.h: the OCSP responder (RFC 6960) of mailcert's issuing CAs.
 *
 * Each issuing CA that still has unexpired certificates gets a delegated
 * responder certificate (id-kp-OCSPSigning, id-pkix-ocsp-nocheck, EC
 * P-256, [ocsp] responder_days) signed by that CA and renewed when a third
 * of its life is left; its key is escrowed like any other (sealed with the
 * KEK). Responses are produced in advance for every serial the CA issued
 * (good or revoked), valid [ocsp] validity_hours (8 h .. 10 days, the
 * profile) and re-signed when half of that has passed or the certificate's
 * state changed, so answering a request is a lookup. A serial never issued
 * is answered "unknown", signed on the spot; a request for a CA that is
 * not ours gets "unauthorized". Nonces are ignored (pre-produced responses
 * cannot carry them), never an error. Requests may ask with SHA-1 or
 * SHA-256 CertIDs.
 *
 * The cache is shared: ocsp_answer() runs on many threads at once while
 * ocsp_refresh() (one thread at a time) builds the next generation and
 * swaps it in.
 */
#ifndef MAILCERT_OCSP_H
#define MAILCERT_OCSP_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct kek;
struct store;
struct ocsp_cache;

struct ocsp_refresh_stats {
	size_t		 cas;		/* CAs served */
	size_t		 responders_made; /* responder certificates created */
	size_t		 signed_now;	/* responses (re)signed by this call */
	size_t		 responses;	/* responses held afterwards */
};

int	ocsp_cache_new(struct ocsp_cache **out);
void	ocsp_cache_free(struct ocsp_cache *c);		/* NULL is a no-op */

/*
 * Bring responders and responses up to date at now (see above); cheap
 * when nothing changed. Runs on the scheduler's thread. stats may be NULL.
 */
int	ocsp_refresh(struct ocsp_cache *c, struct store *st,
	    const struct config *cfg, const struct kek *kek, int64_t now,
	    struct ocsp_refresh_stats *stats);

/*
 * Answer the DER OCSPRequest req for the CA called ca_name (the URL path).
 * Always produces a DER OCSPResponse in *resp (malloc'd, the caller's):
 * malformedRequest for what does not parse, unauthorized for other CAs,
 * tryLater before the first refresh. *max_age is how long the answer may
 * be cached (seconds, 0: do not cache). Returns 0, or ERR_NOMEM /
 * ERR_CRYPTO when no response at all could be made.
 */
int	ocsp_answer(unsigned char **resp, size_t *resp_len, int *max_age,
	    struct ocsp_cache *c, const char *ca_name,
	    const unsigned char *req, size_t req_len, int64_t now);

/*
 * Decode the base64 of a GET request's last path segment (RFC 6960
 * A.1: URL-decoded already by the server) into DER. ERR_INVALID naming
 * the problem. *out is the caller's (free()).
 */
int	ocsp_get_decode(unsigned char **out, size_t *len, const char *b64);

#endif
