/*
 * dirsrc-csv.c: the CSV directory source (docs/csv-source.md).
 *
 * Records follow RFC 4180 section 2: fields separated by commas, records
 * by CRLF or LF; a field in double quotes may hold commas, line breaks and
 * quotes written twice. The header names the five columns, in any order,
 * each exactly once. The whole input must be UTF-8 (RFC 3629 section 4:
 * no overlong forms, no surrogates, nothing above U+10FFFF) and is checked
 * before any record is read, so every later message can quote fields.
 *
 * Reading is all or nothing: one bad line refuses the whole file, because
 * a directory read in part would look like people leaving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "dirsrc-csv.h"
#include "err.h"
#include "util/file.h"

enum col {
	COL_ID,
	COL_EMAIL,
	COL_GIVEN_NAME,
	COL_SURNAME,
	COL_GROUPS,
	COL__MAX
};

static const char *const col_names[COL__MAX] = {
	[COL_ID] = "id",
	[COL_EMAIL] = "email",
	[COL_GIVEN_NAME] = "given_name",
	[COL_SURNAME] = "surname",
	[COL_GROUPS] = "groups",
};

/* One field more than a record may have, so a header can show an extra. */
#define NFIELDS	(COL__MAX + 1)

struct csv {
	const unsigned char *p;		/* next byte */
	const unsigned char *end;	/* one past the input */
	const unsigned char *bol;	/* start of p's physical line */
	const char	*name;		/* for messages */
	size_t		 line;		/* p's physical line, from 1 */
	size_t		 rec_line;	/* line the current record starts on */
	char		*fld[NFIELDS];	/* the record's fields, NUL-ended */
	size_t		 flen[NFIELDS];
	size_t		 nfld;		/* fields in the record, all counted */
	char		*mem;		/* backs fld[] */
};

/* Byte column of q on its line, from 1. */
static size_t
column(const struct csv *c, const unsigned char *q)
{
	return (size_t)(q - c->bol) + 1;
}

/*
 * Check that the input is UTF-8 without NUL bytes, naming the line and
 * byte column of the first offence.
 */
static int
check_utf8(const struct csv *c)
{
	const unsigned char *p = c->p, *bol = c->p, *q;
	size_t line = 1, n, i;
	unsigned int cp, min;

	while (p < c->end) {
		q = p;
		if (*p < 0x80) {
			if (*p == '\0')
				return err_set(ERR_INVALID,
				    "%s:%zu: NUL byte at column %zu", c->name,
				    line, (size_t)(q - bol) + 1);
			if (*p++ == '\n') {
				line++;
				bol = p;
			}
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
			min = 0x80;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
			min = 0x800;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
			min = 0x10000;
		} else
			goto bad;
		if ((size_t)(c->end - p) <= n)
			goto bad;
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		p += n + 1;
	}
	return 0;
 bad:
	return err_set(ERR_INVALID, "%s:%zu: invalid UTF-8 at column %zu",
	    c->name, line, (size_t)(q - bol) + 1);
}

/* Append ch to field i of the record, if it is one we keep. */
static int
put(struct csv *c, int ch)
{
	size_t i = c->nfld;

	if (i >= NFIELDS)
		return 0;
	if (c->flen[i] >= DIRSRC_CSV_FIELD_MAX)
		return err_set(ERR_INVALID, "%s:%zu: field %zu longer than %d "
		    "bytes", c->name, c->line, i + 1, DIRSRC_CSV_FIELD_MAX);
	c->fld[i][c->flen[i]++] = (char)ch;
	return 0;
}

/* A line break at p: CRLF or LF. */
static int
at_eol(const struct csv *c, const unsigned char *p)
{
	return p < c->end && (*p == '\n' ||
	    (*p == '\r' && p + 1 < c->end && p[1] == '\n'));
}

/* Step over the line break at c->p. */
static void
skip_eol(struct csv *c)
{
	c->p += *c->p == '\r' ? 2 : 1;
	c->line++;
	c->bol = c->p;
}

/*
 * Read one record into c->fld. Returns 1 for a record, 0 at the end of
 * the input (blank lines at the end count as the end), or ERR_INVALID.
 */
static int
read_record(struct csv *c)
{
	const unsigned char *q;
	size_t qline, i;
	int rc;

	if (c->p < c->end && at_eol(c, c->p)) {
		for (q = c->p; q < c->end && (*q == '\r' || *q == '\n'); q++)
			;
		if (q != c->end)
			return err_set(ERR_INVALID, "%s:%zu: empty line",
			    c->name, c->line);
		c->p = c->end;
	}
	if (c->p >= c->end)
		return 0;
	c->rec_line = c->line;
	c->nfld = 0;
	for (i = 0; i < NFIELDS; i++)
		c->flen[i] = 0;
	for (;;) {
		if (c->p < c->end && *c->p == '"') {
			qline = c->line;
			c->p++;
			for (;;) {
				if (c->p >= c->end)
					return err_set(ERR_INVALID, "%s:%zu: "
					    "quoted field not closed before "
					    "the end of the file", c->name,
					    qline);
				if (*c->p == '"') {
					if (c->p + 1 < c->end &&
					    c->p[1] == '"') {
						c->p += 2;
						if ((rc = put(c, '"')) != 0)
							return rc;
						continue;
					}
					c->p++;
					break;
				}
				if ((rc = put(c, *c->p)) != 0)
					return rc;
				if (*c->p++ == '\n') {
					c->line++;
					c->bol = c->p;
				}
			}
			if (c->p < c->end && *c->p != ',' && !at_eol(c, c->p))
				return err_set(ERR_INVALID, "%s:%zu: "
				    "character after closing quote at "
				    "column %zu", c->name, c->line,
				    column(c, c->p));
		} else {
			while (c->p < c->end && *c->p != ',' &&
			    !at_eol(c, c->p)) {
				if (*c->p == '"')
					return err_set(ERR_INVALID, "%s:%zu: "
					    "quote inside unquoted field at "
					    "column %zu", c->name, c->line,
					    column(c, c->p));
				if (*c->p == '\r')
					return err_set(ERR_INVALID, "%s:%zu: "
					    "carriage return without line "
					    "feed at column %zu", c->name,
					    c->line, column(c, c->p));
				if ((rc = put(c, *c->p++)) != 0)
					return rc;
			}
		}
		if (c->nfld < NFIELDS)
			c->fld[c->nfld][c->flen[c->nfld]] = '\0';
		c->nfld++;
		if (c->p >= c->end)
			return 1;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		skip_eol(c);
		return 1;
	}
}

/* Map header fields to columns in map[field] = col. */
static int
read_header(struct csv *c, enum col map[COL__MAX])
{
	int seen[COL__MAX] = { 0 };
	char missing[128];
	size_t i, n;
	int col, rc;

	if ((rc = read_record(c)) < 0)
		return rc;
	if (rc == 0)
		return err_set(ERR_INVALID, "%s:1: no header line (want %s,%s,"
		    "%s,%s,%s)", c->name, col_names[0], col_names[1],
		    col_names[2], col_names[3], col_names[4]);
	n = c->nfld < NFIELDS ? c->nfld : NFIELDS;
	for (i = 0; i < n; i++) {
		for (col = 0; col < COL__MAX; col++)
			if (strcmp(c->fld[i], col_names[col]) == 0)
				break;
		if (col == COL__MAX)
			return err_set(ERR_INVALID, "%s:%zu: unknown column "
			    "\"%s\"", c->name, c->rec_line, c->fld[i]);
		if (seen[col])
			return err_set(ERR_INVALID, "%s:%zu: column \"%s\" "
			    "given twice", c->name, c->rec_line,
			    col_names[col]);
		seen[col] = 1;
		map[i] = (enum col)col;
	}
	missing[0] = '\0';
	for (col = 0; col < COL__MAX; col++) {
		if (seen[col])
			continue;
		n = strlen(missing);
		snprintf(missing + n, sizeof(missing) - n, "%s\"%s\"",
		    n > 0 ? ", " : "", col_names[col]);
	}
	if (missing[0] != '\0')
		return err_set(ERR_INVALID, "%s:%zu: missing column%s %s",
		    c->name, c->rec_line, strchr(missing, ',') ? "s" : "",
		    missing);
	return 0;
}

/* Re-set the message just recorded as "NAME:LINE: message". */
static int
at_line(const struct csv *c, size_t line, int rc)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s", err_msg());
	return err_set(rc, "%s:%zu: %s", c->name, line, msg);
}

static int
is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Add the groups of the ';'-separated list s (modified) to the last user. */
static int
add_groups(struct dir_snapshot *snap, char *s)
{
	char *g, *next, *e;
	int rc;

	for (g = s; g != NULL; g = next) {
		if ((next = strchr(g, ';')) != NULL)
			*next++ = '\0';
		while (is_space(*g))
			g++;
		e = g + strlen(g);
		while (e > g && is_space(e[-1]))
			e--;
		*e = '\0';
		if (*g == '\0')
			continue;
		if ((rc = dir_snapshot_add_member(snap, g)) != 0)
			return rc;
	}
	return 0;
}

int
dirsrc_csv_parse(struct dir_snapshot **out, const unsigned char *data,
    size_t len, const char *name)
{
	struct dir_snapshot *snap = NULL;
	struct csv c;
	enum col map[COL__MAX];
	char *v[COL__MAX];
	size_t i, rows = 0, dup[2];
	int rc;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	if (len > DIRSRC_CSV_SIZE_MAX) {
		rc = err_set(ERR_INVALID, "%s: larger than %d bytes", name,
		    DIRSRC_CSV_SIZE_MAX);
		goto out;
	}
	c.p = c.bol = data;
	c.end = data + len;
	c.name = name;
	c.line = 1;
	/* A byte order mark is how Windows tools say UTF-8; skip it. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		c.p = c.bol = data + 3;
	if ((rc = check_utf8(&c)) != 0)
		goto out;
	if ((c.mem = malloc(NFIELDS * (DIRSRC_CSV_FIELD_MAX + 1))) == NULL ||
	    (snap = dir_snapshot_new(name)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < NFIELDS; i++)
		c.fld[i] = c.mem + i * (DIRSRC_CSV_FIELD_MAX + 1);
	if ((rc = read_header(&c, map)) != 0)
		goto out;
	while ((rc = read_record(&c)) == 1) {
		if (c.nfld != COL__MAX) {
			rc = err_set(ERR_INVALID, "%s:%zu: %zu field%s, want "
			    "%d", name, c.rec_line, c.nfld,
			    c.nfld == 1 ? "" : "s", COL__MAX);
			goto out;
		}
		if (++rows > DIRSRC_CSV_ROWS_MAX) {
			rc = err_set(ERR_INVALID, "%s:%zu: more than %d rows",
			    name, c.rec_line, DIRSRC_CSV_ROWS_MAX);
			goto out;
		}
		for (i = 0; i < COL__MAX; i++)
			v[map[i]] = c.fld[i];
		if ((rc = dir_snapshot_add_user(snap, v[COL_ID], v[COL_EMAIL],
		    v[COL_GIVEN_NAME], v[COL_SURNAME], c.rec_line)) != 0 ||
		    (rc = add_groups(snap, v[COL_GROUPS])) != 0) {
			rc = at_line(&c, c.rec_line, rc);
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	if ((rc = dir_snapshot_finish(snap, dup)) != 0) {
		if (rc == ERR_EXISTS)
			rc = err_set(ERR_INVALID, "%s:%zu: duplicate id \"%s\", "
			    "first on line %zu", name,
			    snap->users[dup[1]].origin, snap->users[dup[1]].id,
			    snap->users[dup[0]].origin);
		goto out;
	}
	*out = snap;
	snap = NULL;	/* transferred */
 out:
	dir_snapshot_free(snap);
	free(c.mem);
	return rc;
}

int
dirsrc_csv_read(struct dir_snapshot **out, const char *path)
{
	unsigned char *data = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = file_read(&data, &len, path, DIRSRC_CSV_SIZE_MAX)) != 0)
		return rc;
	rc = dirsrc_csv_parse(out, data, len, path);
	free(data);
	return rc;
}
