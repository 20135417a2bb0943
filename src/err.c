/*
 * err.c: error texts and the per-thread message buffer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "err.h"

static _Thread_local char msgbuf[1024];

const char *
err_str(int rc)
{
	switch (rc) {
	case ERR_OK:		return "success";
	case ERR_INTERNAL:	return "internal error";
	case ERR_NOMEM:		return "out of memory";
	case ERR_INVALID:	return "invalid input";
	case ERR_NOTFOUND:	return "not found";
	case ERR_EXISTS:	return "already exists";
	case ERR_IO:		return "input/output error";
	case ERR_CRYPTO:	return "cryptographic failure";
	case ERR_STORE:		return "database failure";
	case ERR_PROFILE:	return "certificate profile violation";
	case ERR_UNINIT:	return "data directory not initialised";
	case ERR_GUARD:		return "stopped by a safety guard";
	default:		return "unknown error";
	}
}

int
err_set(int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msgbuf, sizeof(msgbuf), fmt, ap);
	va_end(ap);
	return rc;
}

int
err_ossl(int rc, const char *fmt, ...)
{
	va_list ap;
	unsigned long e, last = 0;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msgbuf, sizeof(msgbuf), fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()) != 0)
		last = e;
	if (last != 0) {
		n = strlen(msgbuf);
		snprintf(msgbuf + n, sizeof(msgbuf) - n, ": %s",
		    ERR_reason_error_string(last) ? ERR_reason_error_string(last)
		    : "unknown OpenSSL error");
	}
	return rc;
}

const char *
err_msg(void)
{
	return msgbuf;
}

void
err_clear(void)
{
	msgbuf[0] = '\0';
}

int
err_is_user(int rc)
{
	switch (rc) {
	case ERR_INVALID:
	case ERR_NOTFOUND:
	case ERR_EXISTS:
	case ERR_IO:
	case ERR_PROFILE:
	case ERR_UNINIT:
	case ERR_GUARD:
		return 1;
	default:
		return 0;
	}
}
