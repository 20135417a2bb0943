/*
 * log.c: the daemon's log (log.h). Each line is formatted into one buffer
 * and written with a single write(2), so lines from worker threads never
 * interleave; a line that does not fit is cut and ends with "...".
 */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "log.h"

#define LOG_LINE_MAX	4096	/* octets of one line, newline included */

static atomic_int min_level = LOG_INFO;
static atomic_int format = LOG_TEXT;

static const char *const level_text[] = {
	[LOG_DEBUG] = "DEBUG",
	[LOG_INFO] = "INFO",
	[LOG_WARN] = "WARN",
	[LOG_ERROR] = "ERROR",
};

static const char *const level_json[] = {
	[LOG_DEBUG] = "debug",
	[LOG_INFO] = "info",
	[LOG_WARN] = "warn",
	[LOG_ERROR] = "error",
};

int
log_format_parse(enum log_format *out, const char *s)
{
	if (strcmp(s, "text") == 0)
		*out = LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*out = LOG_JSON;
	else
		return err_set(ERR_INVALID, "unknown log format \"%s\" (use "
		    "text or json)", s);
	return 0;
}

void
log_set_format(enum log_format f)
{
	atomic_store(&format, f);
}

void
log_set_level(enum log_level min)
{
	atomic_store(&min_level, min);
}

/*
 * Append s to buf[*n..cap) as the inside of a JSON string, stopping before
 * an escape or a UTF-8 sequence that would not fit whole.
 */
static void
json_escape(char *buf, size_t *n, size_t cap, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len;
	int w;

	while (*p != '\0') {
		if (*p == '"' || *p == '\\') {
			if (*n + 2 > cap)
				return;
			buf[(*n)++] = '\\';
			buf[(*n)++] = (char)*p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			if (*n + 6 > cap)
				return;
			w = snprintf(buf + *n, cap - *n, "\\u%04x", *p++);
			*n += (size_t)w;
		} else {
			len = *p < 0x80 ? 1 : *p >= 0xf0 ? 4 : *p >= 0xe0 ?
			    3 : 2;
			if (strnlen((const char *)p, len) < len ||
			    *n + len > cap)
				return;
			memcpy(buf + *n, p, len);
			*n += len;
			p += len;
		}
	}
}

/* Append s as is, replacing control characters so a line stays a line. */
static void
text_append(char *buf, size_t *n, size_t cap, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0' && *n < cap; p++)
		buf[(*n)++] = (*p < 0x20 && *p != '\t') || *p == 0x7f ? '?' :
		    (char)*p;
}

static void
emit(enum log_level lvl, const char *func, const char *msg)
{
	char line[LOG_LINE_MAX], ts[32];
	struct timespec now;
	struct tm tm;
	size_t n = 0, cap = sizeof(line) - 4;	/* room for "...\n" */
	ssize_t w;

	if (atomic_load(&format) == LOG_JSON) {
		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		n = (size_t)snprintf(line, cap, "{\"ts\":\"%s.%03ldZ\","
		    "\"level\":\"%s\",\"func\":\"%s\",\"msg\":\"", ts,
		    now.tv_nsec / 1000000, level_json[lvl], func);
		/* A cut line must still parse: the cut falls inside msg. */
		json_escape(line, &n, cap - 2, msg);
		line[n++] = '"';
		line[n++] = '}';
	} else {
		n = (size_t)snprintf(line, cap, "%s %s: ", level_text[lvl],
		    func);
		if (n >= cap)
			n = cap - 1;
		text_append(line, &n, cap, msg);
		if (n >= cap) {
			memcpy(line + n, "...", 3);
			n += 3;
		}
	}
	line[n++] = '\n';
	/* A failed log write has nowhere to be reported. */
	do
		w = write(STDERR_FILENO, line, n);
	while (w == -1 && errno == EINTR);
}

static void
vlog(enum log_level lvl, const char *func, int rc, const char *fmt,
    va_list ap)
{
	char msg[LOG_LINE_MAX];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (rc != 0) {
		n = strlen(msg);
		snprintf(msg + n, sizeof(msg) - n, ": %s",
		    *err_msg() != '\0' ? err_msg() : err_str(rc));
	}
	emit(lvl, func, msg);
}

void
log_write(enum log_level lvl, const char *func, const char *fmt, ...)
{
	va_list ap;

	if ((int)lvl < atomic_load(&min_level))
		return;
	va_start(ap, fmt);
	vlog(lvl, func, 0, fmt, ap);
	va_end(ap);
}

void
log_write_r(enum log_level lvl, const char *func, int rc, const char *fmt,
    ...)
{
	va_list ap;

	if ((int)lvl < atomic_load(&min_level))
		return;
	va_start(ap, fmt);
	vlog(lvl, func, rc, fmt, ap);
	va_end(ap);
}
