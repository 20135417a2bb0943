/*
 * log.h: the daemon's log, one line per event on stderr, as systemd
 * expects of a foreground service. Text lines read
 *   LEVEL func: message
 * and JSON lines (log_set_format(LOG_JSON)) are objects with "level",
 * "func", "msg" and "ts". Core modules never log (STYLE.md): only the
 * daemon and CLI code log, once, where they decide what to do. Safe to
 * call from any thread; each line is written with one write(2).
 */
#ifndef MAILCERT_LOG_H
#define MAILCERT_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_TEXT, LOG_JSON };

/* "text" | "json" -> *out; ERR_INVALID naming s otherwise. */
int	log_format_parse(enum log_format *out, const char *s);
void	log_set_format(enum log_format f);
/* Lines below min are dropped (default LOG_INFO). */
void	log_set_level(enum log_level min);

void	log_write(enum log_level lvl, const char *func, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#define log_debug(...)	log_write(LOG_DEBUG, __func__, __VA_ARGS__)
#define log_info(...)	log_write(LOG_INFO, __func__, __VA_ARGS__)
#define log_warn(...)	log_write(LOG_WARN, __func__, __VA_ARGS__)
#define log_error(...)	log_write(LOG_ERROR, __func__, __VA_ARGS__)
/* As log_error/log_warn, appending ": " and err_msg() (or err_str(rc)). */
#define log_error_r(rc, ...) log_write_r(LOG_ERROR, __func__, rc, __VA_ARGS__)
#define log_warn_r(rc, ...) log_write_r(LOG_WARN, __func__, rc, __VA_ARGS__)
void	log_write_r(enum log_level lvl, const char *func, int rc,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
