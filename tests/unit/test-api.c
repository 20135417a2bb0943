/*
 * test-api.c: the /api/v1 handler (api.h) called with plain http_req
 * structs over a real data directory (store, KEK, CAs, a directory source
 * with two groups): authentication, routing, strict query and body
 * parsing, roles, group scope, revoke and reissue (checked with OpenSSL),
 * token management, and the audit entry of every mutation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/pem.h>

#include "api.h"
#include "api-req.h"
#include "auditlog.h"
#include "directory.h"
#include "http.h"
#include "store-dir.h"
#include "store-web.h"
#include "token.h"
#include "web.h"

#include "helpers.h"

struct fx {
	struct tenv	*e;
	struct web	*w;
	char		*admin, *oper, *viewer, *scoped, *scoped_op;
	char		*alice[2];	/* staff: valid, revoked */
	char		*bob;		/* sales */
	char		*byhand;	/* no user */
	int64_t		 uid_alice, uid_bob;
};

/* One answer, parsed. */
struct ans {
	int		 status;
	json_t		*j;		/* NULL unless JSON */
	struct http_resp r;
};

static void
ans_free(struct ans *a)
{
	json_decref(a->j);
	http_resp_clear(&a->r);
}

/*
 * Call the API: query is "k=v&k2=v2" (not decoded; "k" alone has a NULL
 * value), token may be NULL, body may be NULL.
 */
static struct ans
call(struct fx *f, const char *method, const char *path, const char *query,
    const char *token, const char *body)
{
	struct http_kv q[16], h[2];
	struct http_req req;
	struct ans a;
	char qbuf[1024], auth[128], *p, *save = NULL, *eq;
	size_t nq = 0;

	memset(&req, 0, sizeof(req));
	memset(&a, 0, sizeof(a));
	if (query != NULL) {
		snprintf(qbuf, sizeof(qbuf), "%s", query);
		for (p = strtok_r(qbuf, "&", &save); p != NULL && nq < 16;
		    p = strtok_r(NULL, "&", &save)) {
			q[nq].key = p;
			q[nq].value = NULL;
			if ((eq = strchr(p, '=')) != NULL) {
				*eq = '\0';
				q[nq].value = eq + 1;
			}
			nq++;
		}
	}
	req.method = method;
	req.path = path;
	req.query = q;
	req.nquery = nq;
	if (token != NULL) {
		snprintf(auth, sizeof(auth), "Bearer %s", token);
		h[0].key = "authorization";
		h[0].value = auth;
		req.headers = h;
		req.nheaders = 1;
	}
	req.body = (const unsigned char *)body;
	req.body_len = body != NULL ? strlen(body) : 0;
	req.peer = "127.0.0.1";
	assert_int_equal(api_handle(f->w, &req, &a.r), 1);
	a.status = a.r.status;
	if (a.r.content_type != NULL &&
	    strcmp(a.r.content_type, "application/json") == 0)
		assert_non_null(a.j = json_loadb((const char *)a.r.body,
		    a.r.body_len, 0, NULL));
	return a;
}

/* The error code of an answer, or "". */
static const char *
code(const struct ans *a)
{
	const char *s = json_string_value(json_object_get(json_object_get(
	    a->j, "error"), "code"));

	return s != NULL ? s : "";
}

static const char *
message(const struct ans *a)
{
	const char *s = json_string_value(json_object_get(json_object_get(
	    a->j, "error"), "message"));

	return s != NULL ? s : "";
}

#define want_status(a, st, c) do {					\
	if ((a).status != (st) || strcmp(code(&(a)), (c)) != 0)		\
		fail_msg("status %d code \"%s\" (%s), want %d %s",	\
		    (a).status, code(&(a)), message(&(a)), (st), (c));	\
} while (0)

static char *
issue(struct fx *f, const char *email, int64_t uid)
{
	struct ca_issued *iss = NULL;
	struct ca_request r = req_for(email, KEY_ECP256);
	char *s;

	r.user_id = uid;
	ok(ca_issue(&iss, f->e->st, f->e->ca, f->e->kek, f->e->cfg, &r,
	    timefmt_now()));
	assert_non_null(s = strdup(iss->serial));
	ca_issued_free(iss);
	return s;
}

static char *
token(struct fx *f, const char *name, enum token_role role,
    const char *groups)
{
	char *s = NULL;

	ok(token_create(&s, f->e->st, name, role, groups, 0, timefmt_now(),
	    "test"));
	return s;
}

static int
setup(void **state)
{
	struct store_source src = { .name = "hr", .type = "csv",
	    .params = "{\"path\":\"/srv/hr.csv\",\"password_file\":\"/x\"}" };
	struct dir_snapshot *snap;
	struct store_user **u = NULL;
	struct config *cfg = NULL;
	struct kek *kek = NULL;
	struct fx *f;
	size_t nu = 0, dup[2], i;

	assert_non_null(f = calloc(1, sizeof(*f)));
	f->e = tenv_new(1);
	ok(store_source_put(f->e->st, &src));
	assert_non_null(snap = dir_snapshot_new("hr"));
	ok(dir_snapshot_add_user(snap, "u1", "alice@example.org", "Alice",
	    "Example", 1));
	ok(dir_snapshot_add_member(snap, "staff"));
	ok(dir_snapshot_add_user(snap, "u2", "bob@example.org", "Bob",
	    "Other", 2));
	ok(dir_snapshot_add_member(snap, "sales"));
	ok(dir_snapshot_finish(snap, dup));
	ok(store_begin(f->e->st));
	ok(store_dir_apply(f->e->st, src.id, snap, timefmt_now(), NULL));
	ok(store_commit(f->e->st));
	dir_snapshot_free(snap);
	ok(store_user_list(&u, &nu, f->e->st, NULL));
	for (i = 0; i < nu; i++)
		if (strcmp(u[i]->ext_id, "u1") == 0)
			f->uid_alice = u[i]->id;
		else
			f->uid_bob = u[i]->id;
	store_user_list_free(u, nu);
	f->alice[1] = issue(f, "alice@example.org", f->uid_alice);
	ok(store_cert_revoke(f->e->st, f->alice[1], REVOKE_KEY_COMPROMISE,
	    timefmt_now()));
	f->alice[0] = issue(f, "alice@example.org", f->uid_alice);
	f->bob = issue(f, "bob@example.org", f->uid_bob);
	f->byhand = issue(f, "carol@example.org", 0);
	f->admin = token(f, "root", TOKEN_ADMIN, NULL);
	f->oper = token(f, "ops", TOKEN_OPERATOR, NULL);
	f->viewer = token(f, "look", TOKEN_VIEWER, NULL);
	f->scoped = token(f, "staffview", TOKEN_VIEWER, "staff");
	f->scoped_op = token(f, "staffops", TOKEN_OPERATOR, "staff");
	ok(config_defaults(&cfg, f->e->dir));
	cfg->ca_key = KEY_ECP384;
	ok(keys_kek_load(&kek, cfg->kek_path));
	ok(web_new(&f->w, f->e->dir, cfg, kek));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	web_free(f->w);
	tenv_free(f->e);
	free(f->admin);
	free(f->oper);
	free(f->viewer);
	free(f->scoped);
	free(f->scoped_op);
	free(f->alice[0]);
	free(f->alice[1]);
	free(f->bob);
	free(f->byhand);
	free(f);
	return 0;
}

/* The newest audit entry. */
static struct store_audit *
last_audit(struct fx *f)
{
	struct store_audit **v = NULL;
	struct store_audit *e;
	size_t n = 0;

	ok(store_audit_list_desc(&v, &n, f->e->st, 0, 1));
	assert_int_equal(n, 1);
	e = v[0];
	v[0] = NULL;
	store_audit_list_free(v, n);
	return e;
}

static void
test_api__not_ours(void **state)
{
	struct fx *f = *state;
	struct http_req req;
	struct http_resp r;

	memset(&req, 0, sizeof(req));
	memset(&r, 0, sizeof(r));
	req.method = "GET";
	req.path = "/api/v10/me";
	assert_int_equal(api_handle(f->w, &req, &r), 0);
	req.path = "/keys/v1/lookup";
	assert_int_equal(api_handle(f->w, &req, &r), 0);
}

static void
test_api__auth(void **state)
{
	struct fx *f = *state;
	struct ans a;
	size_t i;

	a = call(f, "GET", "/api/v1/me", NULL, NULL, NULL);
	want_status(a, 401, "unauthorized");
	assert_string_equal(a.r.headers[0].key, "WWW-Authenticate");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/me", NULL,
	    "mct_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
	want_status(a, 401, "unauthorized");
	ans_free(&a);
	/* An unknown path is not revealed before authentication. */
	a = call(f, "GET", "/api/v1/nothing", NULL, "garbage", NULL);
	want_status(a, 401, "unauthorized");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/me", NULL, f->scoped, NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.j, "name")),
	    "staffview");
	assert_string_equal(json_string_value(json_object_get(a.j, "role")),
	    "viewer");
	assert_int_equal(json_array_size(json_object_get(a.j, "groups")), 1);
	assert_string_equal(json_string_value(json_array_get(
	    json_object_get(a.j, "groups"), 0)), "staff");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/me", NULL, f->admin, NULL);
	assert_true(json_is_null(json_object_get(a.j, "groups")));
	ans_free(&a);
	/* Revoked tokens stop working. */
	a = call(f, "GET", "/api/v1/tokens", NULL, f->admin, NULL);
	assert_int_equal(a.status, 200);
	for (i = 0; i < json_array_size(json_object_get(a.j, "items")); i++)
		assert_null(json_object_get(json_array_get(json_object_get(
		    a.j, "items"), i), "hash"));
	ans_free(&a);
}

static void
test_api__routing(void **state)
{
	struct fx *f = *state;
	struct ans a;

	a = call(f, "GET", "/api/v1/nothing", NULL, f->viewer, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/users/", NULL, f->viewer, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/certificates/../users", NULL, f->viewer,
	    NULL);
	want_status(a, 400, "bad_request");
	assert_non_null(strstr(message(&a), ".."));
	ans_free(&a);
	a = call(f, "GET", "/api/v1/certificates/a\x01" "b", NULL, f->viewer,
	    NULL);
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "DELETE", "/api/v1/users", NULL, f->viewer, NULL);
	want_status(a, 405, "method_not_allowed");
	assert_string_equal(a.r.headers[0].key, "Allow");
	assert_string_equal(a.r.headers[0].value, "GET");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/domains/x.org/verify", NULL, f->viewer,
	    NULL);
	want_status(a, 405, "method_not_allowed");
	assert_string_equal(a.r.headers[0].value, "POST");
	ans_free(&a);
	a = call(f, "PUT", "/api/v1/seats", NULL, f->viewer, "{\"total\":3}");
	want_status(a, 403, "forbidden");
	ans_free(&a);
}

static void
test_api__paging(void **state)
{
	static const char *const bad[] = { "limit=0", "limit=501",
	    "limit=-1", "limit=abc", "limit=1e3", "limit=", "limit",
	    "offset=-1", "offset=x", "limit=+5", "limit= 5",
	    "limit=99999999999999999999999", "limit=1&limit=2", "color=red",
	    "q=a" };
	struct fx *f = *state;
	struct ans a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = call(f, "GET", "/api/v1/certificates", bad[i], f->viewer,
		    NULL);
		if (strcmp(bad[i], "q=a") == 0) {
			assert_int_equal(a.status, 200);
			ans_free(&a);
			a = call(f, "GET", "/api/v1/groups", bad[i],
			    f->viewer, NULL);
		}
		want_status(a, 400, "bad_request");
		ans_free(&a);
	}
	a = call(f, "GET", "/api/v1/certificates", "limit=2&offset=1",
	    f->viewer, NULL);
	assert_int_equal(a.status, 200);
	assert_int_equal(json_integer_value(json_object_get(a.j, "total")),
	    4);
	assert_int_equal(json_integer_value(json_object_get(a.j, "limit")),
	    2);
	assert_int_equal(json_array_size(json_object_get(a.j, "items")), 2);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/certificates", "offset=10", f->viewer,
	    NULL);
	assert_int_equal(json_integer_value(json_object_get(a.j, "total")),
	    4);
	assert_int_equal(json_array_size(json_object_get(a.j, "items")), 0);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/certificates", "state=revoked",
	    f->viewer, NULL);
	assert_int_equal(json_integer_value(json_object_get(a.j, "total")),
	    1);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/certificates", "state=bogus", f->viewer,
	    NULL);
	want_status(a, 400, "bad_request");
	assert_non_null(strstr(message(&a), "state"));
	ans_free(&a);
}

static void
test_api__cert_detail(void **state)
{
	struct fx *f = *state;
	const char *pem;
	struct ans a;
	char path[128];
	BIO *b;
	X509 *x;

	snprintf(path, sizeof(path), "/api/v1/certificates/%s", f->alice[0]);
	a = call(f, "GET", path, NULL, f->viewer, NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.j, "state")),
	    "valid");
	assert_true(json_is_true(json_object_get(a.j, "managed")));
	assert_true(json_integer_value(json_object_get(a.j, "days_left")) >
	    300);
	assert_non_null(pem = json_string_value(json_object_get(a.j, "pem")));
	assert_non_null(b = BIO_new_mem_buf(pem, -1));
	assert_non_null(x = PEM_read_bio_X509(b, NULL, NULL, NULL));
	assert_int_equal(verify_smime(x, f->e->ca->cert, f->e->root->cert,
	    timefmt_now()), X509_V_OK);
	X509_free(x);
	BIO_free(b);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/certificates/ABCDEF", NULL, f->viewer,
	    NULL);
	want_status(a, 404, "not_found");
	assert_string_equal(message(&a), "no certificate ABCDEF");
	ans_free(&a);
}

static void
test_api__scope(void **state)
{
	struct fx *f = *state;
	const char *paths[] = { "/api/v1/certificates/%s",
	    "/api/v1/certificates/%s/revoke" };
	char path[128], want[128];
	struct ans a;
	size_t i;

	/* Out of scope reads exactly like nonexistent. */
	snprintf(path, sizeof(path), paths[0], f->bob);
	a = call(f, "GET", path, NULL, f->scoped, NULL);
	want_status(a, 404, "not_found");
	snprintf(want, sizeof(want), "no certificate %s", f->bob);
	assert_string_equal(message(&a), want);
	ans_free(&a);
	snprintf(path, sizeof(path), paths[0], f->byhand);
	a = call(f, "GET", path, NULL, f->scoped, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
	snprintf(path, sizeof(path), "/api/v1/users/%lld",
	    (long long)f->uid_bob);
	a = call(f, "GET", path, NULL, f->scoped, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
	snprintf(path, sizeof(path), "/api/v1/users/%lld",
	    (long long)f->uid_alice);
	a = call(f, "GET", path, NULL, f->scoped, NULL);
	assert_int_equal(a.status, 200);
	assert_int_equal(json_array_size(json_object_get(a.j,
	    "certificates")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    a.j, "certificates"), 0)), f->alice[0]);
	ans_free(&a);
	/* Listings and counts are the scope's only. */
	a = call(f, "GET", "/api/v1/certificates", NULL, f->scoped, NULL);
	assert_int_equal(json_integer_value(json_object_get(a.j, "total")),
	    2);
	for (i = 0; i < 2; i++)
		assert_string_equal(json_string_value(json_object_get(
		    json_array_get(json_object_get(a.j, "items"), i),
		    "email")), "alice@example.org");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/users", NULL, f->scoped, NULL);
	assert_int_equal(json_integer_value(json_object_get(a.j, "total")),
	    1);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/groups", NULL, f->scoped, NULL);
	assert_int_equal(json_integer_value(json_object_get(a.j, "total")),
	    1);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/overview", NULL, f->scoped, NULL);
	assert_int_equal(a.status, 200);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    a.j, "certificates"), "valid")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    a.j, "certificates"), "revoked")), 1);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/overview", NULL, f->viewer, NULL);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    a.j, "certificates"), "valid")), 3);
	ans_free(&a);
	/* Sources and tokens do not exist for a scoped token. */
	a = call(f, "GET", "/api/v1/sources", NULL, f->scoped, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/tokens", NULL, f->scoped, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
	/* A scoped operator cannot revoke outside, and nothing changes. */
	snprintf(path, sizeof(path), paths[1], f->bob);
	a = call(f, "POST", path, NULL, f->scoped_op,
	    "{\"reason\":\"keyCompromise\"}");
	want_status(a, 404, "not_found");
	ans_free(&a);
	snprintf(path, sizeof(path), paths[0], f->bob);
	a = call(f, "GET", path, NULL, f->viewer, NULL);
	assert_string_equal(json_string_value(json_object_get(a.j, "state")),
	    "valid");
	ans_free(&a);
}

static void
test_api__sources(void **state)
{
	struct fx *f = *state;
	struct ans a;
	json_t *p;

	a = call(f, "GET", "/api/v1/sources", NULL, f->viewer, NULL);
	assert_int_equal(a.status, 200);
	p = json_object_get(json_array_get(json_object_get(a.j, "items"), 0),
	    "params");
	assert_string_equal(json_string_value(json_object_get(p, "path")),
	    "/srv/hr.csv");
	assert_null(json_object_get(p, "password_file"));
	ans_free(&a);
}

static void
test_api__bodies(void **state)
{
	static const struct {
		const char	*body;
		const char	*code;
		const char	*names;
	} bad[] = {
		{ "{\"reason\":", "bad_json", "line 1" },
		{ "[1]", "bad_request", "object" },
		{ "{}", "bad_request", "reason" },
		{ "{\"reason\":5}", "bad_request", "reason" },
		{ "{\"reason\":null}", "bad_request", "reason" },
		{ "{\"reason\":\"unspecified\"}", "bad_request", "reason" },
		{ "{\"reason\":\"keyCompromise\",\"x\":1}", "bad_request",
		    "\"x\"" },
		{ "{\"reason\":\"keyCompromise\",\"reason\":\"superseded\"}",
		    "bad_json", "duplicate" },
		{ "\"keyCompromise\"", "bad_json", "line" },
	};
	struct fx *f = *state;
	struct store_audit *e;
	char path[128];
	struct ans a;
	size_t i;

	snprintf(path, sizeof(path), "/api/v1/certificates/%s/revoke",
	    f->alice[0]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a = call(f, "POST", path, NULL, f->oper, bad[i].body);
		want_status(a, 400, bad[i].code);
		if (strstr(message(&a), bad[i].names) == NULL)
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].body,
			    message(&a), bad[i].names);
		ans_free(&a);
		e = last_audit(f);
		assert_string_equal(e->actor, "token:ops");
		assert_string_equal(e->action, "cert.revoke");
		assert_true(strncmp(e->result, "error: ", 7) == 0);
		store_audit_free(e);
	}
	a = call(f, "PATCH", "/api/v1/groups/1", NULL, f->admin,
	    "{\"days\":\"30\"}");
	want_status(a, 400, "bad_request");
	assert_non_null(strstr(message(&a), "\"days\""));
	ans_free(&a);
	a = call(f, "PATCH", "/api/v1/groups/1", NULL, f->admin,
	    "{\"days\":0}");
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "PATCH", "/api/v1/groups/1", NULL, f->admin,
	    "{\"key\":\"rsa-1024\"}");
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "PUT", "/api/v1/seats", NULL, f->admin,
	    "{\"total\":1.5}");
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "PUT", "/api/v1/seats", NULL, f->admin, "{\"total\":-1}");
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "POST", "/api/v1/sync", NULL, f->oper, "{\"now\":true}");
	want_status(a, 400, "bad_request");
	ans_free(&a);
}

static void
test_api__too_large(void **state)
{
	struct fx *f = *state;
	char *big;
	struct ans a;

	assert_non_null(big = malloc(API_MAX_BODY + 2));
	memset(big, ' ', API_MAX_BODY + 1);
	big[API_MAX_BODY + 1] = '\0';
	a = call(f, "POST", "/api/v1/domains", NULL, f->admin, big);
	want_status(a, 413, "too_large");
	ans_free(&a);
	free(big);
}

static void
test_api__revoke(void **state)
{
	struct fx *f = *state;
	struct store_audit *e;
	struct store_event **ev = NULL;
	struct store_event_filter ef;
	struct auditlog_report rep;
	size_t nev = 0;
	char path[128];
	struct ans a;

	snprintf(path, sizeof(path), "/api/v1/certificates/%s/revoke",
	    f->alice[0]);
	a = call(f, "POST", path, NULL, f->viewer,
	    "{\"reason\":\"keyCompromise\"}");
	want_status(a, 403, "forbidden");
	ans_free(&a);
	e = last_audit(f);
	assert_string_equal(e->actor, "token:look");
	assert_string_equal(e->target, f->alice[0]);
	store_audit_free(e);
	a = call(f, "POST", path, NULL, f->scoped_op,
	    "{\"reason\":\"affiliationChanged\"}");
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.j, "state")),
	    "revoked");
	assert_string_equal(json_string_value(json_object_get(a.j, "reason")),
	    "affiliationChanged");
	ans_free(&a);
	e = last_audit(f);
	assert_string_equal(e->actor, "token:staffops");
	assert_string_equal(e->action, "cert.revoke");
	assert_string_equal(e->result, "ok");
	store_audit_free(e);
	a = call(f, "POST", path, NULL, f->oper,
	    "{\"reason\":\"keyCompromise\"}");
	want_status(a, 409, "conflict");
	ans_free(&a);
	memset(&ef, 0, sizeof(ef));
	ef.kind = "cert.revoked";
	ef.state = -1;
	ok(store_event_list(&ev, &nev, f->e->st, &ef));
	assert_int_equal(nev, 1);
	assert_string_equal(ev[0]->serial, f->alice[0]);
	store_event_list_free(ev, nev);
	memset(&rep, 0, sizeof(rep));
	ok(auditlog_verify(&rep, f->e->st));
	assert_null(rep.problem);
}

static void
test_api__reissue(void **state)
{
	struct fx *f = *state;
	struct store_cert *old = NULL, *new = NULL;
	const char *serial;
	char path[128];
	struct ans a;
	X509 *x;

	snprintf(path, sizeof(path), "/api/v1/certificates/%s/reissue",
	    f->bob);
	a = call(f, "POST", path, NULL, f->scoped_op, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
	a = call(f, "POST", path, NULL, f->oper, "{}");
	assert_int_equal(a.status, 200);
	assert_string_equal(json_string_value(json_object_get(a.j,
	    "revoked")), f->bob);
	assert_non_null(serial = json_string_value(json_array_get(
	    json_object_get(a.j, "issued"), 0)));
	ok(store_cert_get(&old, f->e->st, f->bob));
	ok(store_cert_get(&new, f->e->st, serial));
	assert_int_equal(old->state, CERT_STATE_REVOKED);
	assert_int_equal(old->reason, REVOKE_SUPERSEDED);
	assert_string_equal(old->superseded_by, new->serial);
	assert_string_equal(new->email, old->email);
	assert_string_equal(new->key_alg, old->key_alg);
	assert_int_equal(new->user_id, old->user_id);
	x = x509_from_der(new->der, new->der_len);
	assert_int_equal(verify_smime(x, f->e->ca->cert, f->e->root->cert,
	    timefmt_now()), X509_V_OK);
	X509_free(x);
	store_cert_free(old);
	store_cert_free(new);
	ans_free(&a);
	a = call(f, "POST", path, NULL, f->oper, NULL);
	want_status(a, 409, "conflict");
	ans_free(&a);
}

static void
test_api__tokens(void **state)
{
	struct fx *f = *state;
	struct store_audit *e;
	char *secret, path[64];
	struct ans a, b;
	json_int_t id;

	a = call(f, "POST", "/api/v1/tokens", NULL, f->admin,
	    "{\"name\":\"dash\",\"role\":\"viewer\",\"groups\":[\"sales\"],"
	    "\"expires_days\":30}");
	assert_int_equal(a.status, 201);
	assert_non_null(secret = strdup(json_string_value(json_object_get(
	    a.j, "token"))));
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    a.j, "groups"), 0)), "sales");
	id = json_integer_value(json_object_get(a.j, "id"));
	ans_free(&a);
	e = last_audit(f);
	assert_string_equal(e->action, "token.create");
	assert_string_equal(e->actor, "token:root");
	store_audit_free(e);
	b = call(f, "GET", "/api/v1/users", NULL, secret, NULL);
	assert_int_equal(json_integer_value(json_object_get(b.j, "total")),
	    1);
	ans_free(&b);
	a = call(f, "POST", "/api/v1/tokens", NULL, f->admin,
	    "{\"name\":\"x\",\"role\":\"admin\",\"groups\":[\"sales\"]}");
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "POST", "/api/v1/tokens", NULL, f->admin,
	    "{\"name\":\"x\",\"role\":\"viewer\",\"groups\":[\"nope\"]}");
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "POST", "/api/v1/tokens", NULL, f->admin,
	    "{\"name\":\"dash\",\"role\":\"viewer\"}");
	want_status(a, 409, "conflict");
	ans_free(&a);
	snprintf(path, sizeof(path), "/api/v1/tokens/%lld", (long long)id);
	a = call(f, "DELETE", path, NULL, f->admin, NULL);
	assert_int_equal(a.status, 200);
	assert_true(json_is_string(json_object_get(a.j, "revoked_at")));
	ans_free(&a);
	a = call(f, "DELETE", path, NULL, f->admin, NULL);
	want_status(a, 409, "conflict");
	ans_free(&a);
	b = call(f, "GET", "/api/v1/me", NULL, secret, NULL);
	want_status(b, 401, "unauthorized");
	ans_free(&b);
	free(secret);
	a = call(f, "DELETE", "/api/v1/tokens/999", NULL, f->admin, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
}

static void
test_api__admin(void **state)
{
	struct fx *f = *state;
	struct ans a;

	a = call(f, "PUT", "/api/v1/seats", NULL, f->admin, "{\"total\":5}");
	assert_int_equal(a.status, 200);
	assert_int_equal(json_integer_value(json_object_get(a.j, "total")), 5);
	assert_int_equal(json_integer_value(json_object_get(a.j, "used")), 2);
	assert_int_equal(json_integer_value(json_object_get(a.j, "free")), 3);
	ans_free(&a);
	a = call(f, "PUT", "/api/v1/seats", NULL, f->admin,
	    "{\"total\":null}");
	assert_true(json_is_null(json_object_get(a.j, "free")));
	ans_free(&a);
	a = call(f, "POST", "/api/v1/domains", NULL, f->admin,
	    "{\"name\":\"Example.ORG\"}");
	assert_int_equal(a.status, 201);
	assert_string_equal(json_string_value(json_object_get(a.j, "name")),
	    "example.org");
	assert_string_equal(json_string_value(json_object_get(a.j,
	    "txt_name")), "_mailcert.example.org");
	assert_string_equal(json_string_value(json_object_get(a.j, "state")),
	    "pending");
	ans_free(&a);
	a = call(f, "POST", "/api/v1/domains", NULL, f->admin,
	    "{\"name\":\"example.org\"}");
	want_status(a, 409, "conflict");
	ans_free(&a);
	a = call(f, "POST", "/api/v1/domains", NULL, f->admin,
	    "{\"name\":\"../etc\"}");
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "POST", "/api/v1/domains/nope.org/verify", NULL,
	    f->admin, NULL);
	want_status(a, 404, "not_found");
	ans_free(&a);
	a = call(f, "PATCH", "/api/v1/groups/1", NULL, f->admin,
	    "{\"auto_request\":true,\"days\":90,\"key\":\"ec-p256\"}");
	assert_int_equal(a.status, 200);
	assert_true(json_is_true(json_object_get(a.j, "auto_request")));
	assert_int_equal(json_integer_value(json_object_get(a.j, "days")), 90);
	ans_free(&a);
	a = call(f, "PATCH", "/api/v1/groups/1", NULL, f->admin,
	    "{\"days\":null}");
	assert_true(json_is_null(json_object_get(a.j, "days")));
	ans_free(&a);
	a = call(f, "PATCH", "/api/v1/groups/77", NULL, f->admin,
	    "{\"days\":null}");
	want_status(a, 404, "not_found");
	ans_free(&a);
	a = call(f, "POST", "/api/v1/sync", NULL, f->oper, NULL);
	want_status(a, 503, "unavailable");
	ans_free(&a);
	a = call(f, "POST", "/api/v1/cas/crl", NULL, f->admin, NULL);
	assert_int_equal(a.status, 200);
	assert_int_equal(json_array_size(json_object_get(a.j, "crls")), 2);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/cas", NULL, f->viewer, NULL);
	assert_int_equal(json_array_size(a.j), 2);
	ans_free(&a);
	a = call(f, "GET", "/api/v1/exports/chain", "format=p7b", f->viewer,
	    NULL);
	want_status(a, 403, "forbidden");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/exports/chain", "format=der", f->oper,
	    NULL);
	want_status(a, 400, "bad_request");
	ans_free(&a);
	a = call(f, "GET", "/api/v1/exports/chain", "format=pem", f->oper,
	    NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.r.content_type, "application/x-pem-file");
	ans_free(&a);
}

static void
test_api__read_all(void **state)
{
	static const char *const paths[] = { "/api/v1/overview",
	    "/api/v1/users", "/api/v1/groups", "/api/v1/certificates",
	    "/api/v1/domains", "/api/v1/seats", "/api/v1/events",
	    "/api/v1/sync", "/api/v1/audit", "/api/v1/cas" };
	struct fx *f = *state;
	struct ans a;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		a = call(f, "GET", paths[i], NULL, f->scoped, NULL);
		if (a.status != 200)
			fail_msg("%s: %d %s", paths[i], a.status, message(&a));
		ans_free(&a);
	}
	a = call(f, "GET", "/api/v1/sync", NULL, f->viewer, NULL);
	assert_true(json_is_null(json_object_get(a.j, "last_run")));
	ans_free(&a);
	a = call(f, "GET", "/api/v1/audit", "before=3&limit=1", f->viewer,
	    NULL);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    json_object_get(a.j, "items"), 0), "id")), 2);
	ans_free(&a);
}

static void
test_api__parsers(void **state)
{
	struct api_path p;
	struct api_body_token t;
	const char *body;
	int syntax;

	(void)state;
	ok(api_path_parse(&p, "/api/v1/certificates/0A/revoke"));
	assert_int_equal(p.nseg, 3);
	assert_string_equal(p.seg[1], "0A");
	api_path_clear(&p);
	want(api_path_parse(&p, "/api/v1/a/b/c/d/e/f/g"), ERR_NOTFOUND);
	want(api_path_parse(&p, "/api/v1//x"), ERR_NOTFOUND);
	want(api_path_parse(&p, "/api/v1/./x"), ERR_INVALID);
	ok(api_body_none(NULL, 0, &syntax));
	ok(api_body_none((const unsigned char *)" {} ", 4, &syntax));
	want(api_body_none((const unsigned char *)"{", 1, &syntax),
	    ERR_INVALID);
	assert_int_equal(syntax, 1);
	body = "{\"name\":\"a\",\"role\":\"operator\",\"groups\":[\"x\","
	    "\"y\"]}";
	ok(api_body_token_parse(&t, (const unsigned char *)body, strlen(body),
	    &syntax));
	assert_string_equal(t.groups, "x,y");
	assert_int_equal(t.role, TOKEN_OPERATOR);
	api_body_token_clear(&t);
	body = "{\"name\":\"a b\",\"role\":\"viewer\"}";
	want_msg(api_body_token_parse(&t, (const unsigned char *)body,
	    strlen(body), &syntax), ERR_INVALID, "\"name\"");
}

#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_api__not_ours),
		T(test_api__auth),
		T(test_api__routing),
		T(test_api__paging),
		T(test_api__cert_detail),
		T(test_api__scope),
		T(test_api__sources),
		T(test_api__bodies),
		T(test_api__too_large),
		T(test_api__revoke),
		T(test_api__reissue),
		T(test_api__tokens),
		T(test_api__admin),
		T(test_api__read_all),
		cmocka_unit_test(test_api__parsers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
