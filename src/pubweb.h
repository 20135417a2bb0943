/*
 * pubweb.h: the public, unauthenticated endpoints of the daemon, served
 * over plain http as the profile requires:
 *   GET /ca/NAME.crt           the CA certificate (AIA caIssuers), DER
 *   GET /crl/NAME.crl          the CA's latest CRL, DER
 *   GET|POST /ocsp/NAME[/B64]  OCSP (ocsp.h)
 *   GET /keys/v1/lookup?email= the key directory (JSON, or DER with
 *                              Accept: application/pkix-cert)
 *   GET /healthz               "ok" when the store answers
 *   GET /metrics               Prometheus text
 * with ETag / Last-Modified / Cache-Control bounded by nextUpdate, and
 * HEAD wherever GET works. NAME is checked against [A-Za-z0-9._-] before
 * anything is looked up.
 */
#ifndef MAILCERT_PUBWEB_H
#define MAILCERT_PUBWEB_H

struct http_req;
struct http_resp;
struct web;

/*
 * 1 if req->path is one of the above (then resp is filled), 0 if not, or
 * a negative ERR_* when the store or OpenSSL failed (the server answers
 * 500 and logs err_msg()). Thread-safe: called on every HTTP worker.
 */
int	pubweb_handle(struct web *w, const struct http_req *req,
	    struct http_resp *resp);

#endif
