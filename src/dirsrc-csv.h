/*
 * dirsrc-csv.h: the CSV directory source (docs/csv-source.md): a UTF-8
 * file with the header id,email,given_name,surname,groups in any order,
 * RFC 4180 quoting, and ';'-separated groups, read into a directory
 * snapshot (directory.h).
 */
#ifndef MAILCERT_DIRSRC_CSV_H
#define MAILCERT_DIRSRC_CSV_H

#include <stddef.h>

struct dir_snapshot;

#define DIRSRC_CSV_SIZE_MAX	(256 * 1024 * 1024)	/* octets of input */
#define DIRSRC_CSV_FIELD_MAX	65536	/* octets of one field */
#define DIRSRC_CSV_ROWS_MAX	1000000	/* user rows */

/*
 * Parse len bytes of CSV; name (e.g. the file name) is the snapshot's
 * source name and starts every message. All or nothing: any malformed
 * line, invalid UTF-8, unknown or missing column, empty or duplicate id,
 * or exceeded ceiling is ERR_INVALID with a message "NAME:LINE: problem"
 * and *out stays NULL. ERR_NOMEM. On success *out is the caller's
 * (dir_snapshot_free()).
 */
int	dirsrc_csv_parse(struct dir_snapshot **out, const unsigned char *data,
	    size_t len, const char *name);

/*
 * dirsrc_csv_parse() on the file at path, which names the source. A
 * missing or unreadable file is ERR_IO; one larger than
 * DIRSRC_CSV_SIZE_MAX is ERR_INVALID.
 */
int	dirsrc_csv_read(struct dir_snapshot **out, const char *path);

#endif
