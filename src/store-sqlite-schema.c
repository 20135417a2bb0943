/*
 * store-sqlite-schema.c: the SQLite store's schema, as numbered
 * migrations, and the SQL of every cached statement (store-sqlite-int.h).
 */
#include <stddef.h>

#include "store-sqlite-int.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Migration N is sq_migrations[N - 1]. Append new steps; never edit one that
 * has shipped, since stores already at that version will not run it again.
 */
const char *const sq_migrations[] = {
	/* 1: keys, CAs, certificates, CRLs and the serial registry. */
	"CREATE TABLE keys ("
	"  id TEXT PRIMARY KEY,"
	"  alg TEXT NOT NULL,"
	"  sealed BLOB NOT NULL,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE TABLE serials ("
	"  serial TEXT PRIMARY KEY"
	");"
	"CREATE TABLE cas ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('root', 'issuing')),"
	"  parent_id INTEGER REFERENCES cas(id),"
	"  state TEXT NOT NULL CHECK (state IN ('active', 'retired')),"
	"  serial TEXT UNIQUE NOT NULL,"
	"  key_id TEXT NOT NULL REFERENCES keys(id),"
	"  der BLOB NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  CONSTRAINT ca_parent CHECK ((role = 'root') = (parent_id IS NULL))"
	");"
	"CREATE TABLE certs ("
	"  id INTEGER PRIMARY KEY,"
	"  serial TEXT UNIQUE NOT NULL,"
	"  ca_id INTEGER NOT NULL REFERENCES cas(id),"
	"  email TEXT NOT NULL,"
	"  given_name TEXT,"
	"  surname TEXT,"
	"  profile TEXT NOT NULL,"
	"  key_alg TEXT NOT NULL,"
	"  key_id TEXT REFERENCES keys(id),"
	"  der BLOB NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('valid', 'revoked')),"
	"  reason INTEGER,"
	"  revoked_at INTEGER,"
	"  CONSTRAINT cert_revocation CHECK ((state = 'revoked') ="
	"    (reason IS NOT NULL AND revoked_at IS NOT NULL))"
	");"
	"CREATE INDEX certs_email ON certs(email);"
	"CREATE INDEX certs_ca_state ON certs(ca_id, state);"
	"CREATE TABLE crls ("
	"  ca_id INTEGER NOT NULL REFERENCES cas(id),"
	"  number INTEGER NOT NULL,"
	"  this_update INTEGER NOT NULL,"
	"  next_update INTEGER NOT NULL,"
	"  der BLOB NOT NULL,"
	"  PRIMARY KEY (ca_id, number)"
	");"
	"CREATE TRIGGER cas_serial AFTER INSERT ON cas BEGIN"
	"  INSERT INTO serials(serial) VALUES (NEW.serial);"
	"END;"
	"CREATE TRIGGER certs_serial AFTER INSERT ON certs BEGIN"
	"  INSERT INTO serials(serial) VALUES (NEW.serial);"
	"END;",
	/*
	 * 2: dual-key usage, supersession by a rollover, and signing keys
	 * that were handed out once and then deleted.
	 */
	"ALTER TABLE certs ADD COLUMN usage TEXT NOT NULL DEFAULT 'both'"
	"  CHECK (usage IN ('both', 'sign', 'encrypt'));"
	"ALTER TABLE certs ADD COLUMN superseded_by TEXT;"
	"ALTER TABLE certs ADD COLUMN key_released_at INTEGER;",
	/*
	 * 3: mail domains and the proof that the organisation controls them
	 * (a DNS TXT record, or an administrator's assertion).
	 */
	"CREATE TABLE domains ("
	"  name TEXT PRIMARY KEY CHECK (name = lower(name)),"
	"  token TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  verified_at INTEGER,"
	"  valid_until INTEGER,"
	"  method TEXT CHECK (method IN ('dns', 'assert')),"
	"  last_check_at INTEGER,"
	"  last_error TEXT,"
	"  CONSTRAINT domain_verified CHECK ((method IS NULL) ="
	"    (verified_at IS NULL) AND (method IS NULL) = (valid_until IS NULL))"
	");",
	/*
	 * 4: directory sources with their users, groups and memberships,
	 * settings, sync runs and their actions, the event outbox, alerts,
	 * and the user a managed certificate belongs to. Deleting a source
	 * takes its directory with it; history (certificates, actions,
	 * events) only loses the link. Foreign keys get indexes so that a
	 * cascade does not scan.
	 */
	"CREATE TABLE sources ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL,"
	"  type TEXT NOT NULL CHECK (type IN ('ldap', 'graph', 'csv')),"
	"  params TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  last_read_at INTEGER,"
	"  last_error TEXT"
	");"
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL REFERENCES sources(id)"
	"    ON DELETE CASCADE,"
	"  ext_id TEXT NOT NULL,"
	"  email TEXT,"
	"  given_name TEXT,"
	"  surname TEXT,"
	"  present INTEGER NOT NULL CHECK (present IN (0, 1)),"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL,"
	"  UNIQUE (source_id, ext_id)"
	");"
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL REFERENCES sources(id)"
	"    ON DELETE CASCADE,"
	"  name TEXT NOT NULL,"
	"  present INTEGER NOT NULL CHECK (present IN (0, 1)),"
	"  auto_request INTEGER NOT NULL DEFAULT 0"
	"    CHECK (auto_request IN (0, 1)),"
	"  key TEXT,"
	"  days INTEGER,"
	"  profile TEXT CHECK (profile IN ('strict', 'multipurpose')),"
	"  usage TEXT NOT NULL DEFAULT 'both'"
	"    CHECK (usage IN ('both', 'dual')),"
	"  UNIQUE (source_id, name)"
	");"
	"CREATE TABLE memberships ("
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (user_id, group_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX memberships_group ON memberships(group_id);"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	");"
	"CREATE TABLE sync_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  started_at INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  finished_at INTEGER,"
	"  state TEXT NOT NULL CHECK (state IN ('applying', 'done')),"
	"  source TEXT,"
	"  CONSTRAINT run_finished CHECK ((state = 'done') ="
	"    (finished_at IS NOT NULL))"
	");"
	/* At most one run is being applied: a second planner must wait. */
	"CREATE UNIQUE INDEX sync_runs_applying ON sync_runs(state)"
	"  WHERE state = 'applying';"
	"CREATE TABLE sync_actions ("
	"  id INTEGER PRIMARY KEY,"
	"  run_id INTEGER NOT NULL REFERENCES sync_runs(id),"
	"  seq INTEGER NOT NULL,"
	"  kind TEXT NOT NULL"
	"    CHECK (kind IN ('issue', 'renew', 'reissue', 'revoke')),"
	"  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	"  email TEXT,"
	"  given_name TEXT,"
	"  surname TEXT,"
	"  group_id INTEGER REFERENCES groups(id) ON DELETE SET NULL,"
	"  key TEXT,"
	"  days INTEGER NOT NULL DEFAULT 0,"
	"  profile TEXT,"
	"  usage TEXT,"
	"  old_serials TEXT,"
	"  state TEXT NOT NULL CHECK (state IN ('planned', 'done', 'failed')),"
	"  new_serials TEXT,"
	"  error TEXT,"
	"  done_at INTEGER,"
	"  UNIQUE (run_id, seq),"
	"  CONSTRAINT action_done CHECK ((state = 'planned') ="
	"    (done_at IS NULL))"
	");"
	"CREATE INDEX sync_actions_user ON sync_actions(user_id);"
	"CREATE INDEX sync_actions_group ON sync_actions(group_id);"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
	"  email TEXT,"
	"  serial TEXT,"
	"  group_id INTEGER REFERENCES groups(id) ON DELETE SET NULL,"
	"  domain TEXT,"
	"  data TEXT,"
	"  state TEXT NOT NULL"
	"    CHECK (state IN ('pending', 'claimed', 'done', 'failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  lease_until INTEGER,"
	"  claimed_by TEXT,"
	"  last_error TEXT,"
	"  done_at INTEGER,"
	"  CONSTRAINT event_claim CHECK ((state = 'claimed') ="
	"    (lease_until IS NOT NULL AND claimed_by IS NOT NULL))"
	");"
	"CREATE INDEX events_due ON events(state, next_attempt_at);"
	"CREATE INDEX events_user ON events(user_id);"
	"CREATE INDEX events_group ON events(group_id);"
	"CREATE TABLE alerts ("
	"  key TEXT PRIMARY KEY,"
	"  raised_at INTEGER NOT NULL"
	");"
	"ALTER TABLE certs ADD COLUMN user_id INTEGER"
	"  REFERENCES users(id) ON DELETE SET NULL;"
	"CREATE INDEX certs_user ON certs(user_id);",
	/*
	 * 5: API tokens (only a hash of the secret), the hash-chained audit
	 * log, and the delegated OCSP responder certificates. A name is
	 * unique among unrevoked tokens only, so a revoked name can be
	 * reused. Responder serials join the serial registry: the issuing
	 * CA signs them too (RFC 5280 4.1.2.2).
	 */
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),"
	"  groups TEXT,"
	"  hash TEXT UNIQUE NOT NULL CHECK (length(hash) = 64),"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER,"
	"  revoked_at INTEGER,"
	"  last_used_at INTEGER"
	");"
	"CREATE UNIQUE INDEX tokens_name ON tokens(name)"
	"  WHERE revoked_at IS NULL;"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL,"
	"  result TEXT NOT NULL,"
	"  prev_hash TEXT NOT NULL,"
	"  hash TEXT NOT NULL"
	");"
	"CREATE TABLE responders ("
	"  id INTEGER PRIMARY KEY,"
	"  ca_id INTEGER NOT NULL REFERENCES cas(id),"
	"  serial TEXT UNIQUE NOT NULL,"
	"  key_id TEXT NOT NULL REFERENCES keys(id),"
	"  der BLOB NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL"
	");"
	"CREATE INDEX responders_ca ON responders(ca_id);"
	"CREATE TRIGGER responders_serial AFTER INSERT ON responders BEGIN"
	"  INSERT INTO serials(serial) VALUES (NEW.serial);"
	"END;",
};

const size_t sq_nmigrations = nitems(sq_migrations);

#define CA_COLS								\
	"id, name, role, parent_id, state, serial, key_id, der, "	\
	"not_before, not_after, created_at FROM cas"

#define SOURCE_COLS							\
	"id, name, type, params, created_at, last_read_at, last_error "	\
	"FROM sources"

#define USER_COLS							\
	"u.id, u.source_id, s.name, u.ext_id, u.email, u.given_name, "	\
	"u.surname, u.present, u.first_seen, u.last_seen "		\
	"FROM users u JOIN sources s ON s.id = u.source_id"

/* Absent users have no memberships, so every member counted is present. */
#define GROUP_COLS							\
	"g.id, g.source_id, s.name, g.name, g.present, "		\
	"(SELECT COUNT(*) FROM memberships m WHERE m.group_id = g.id), " \
	"g.auto_request, g.key, g.days, g.profile, g.usage "		\
	"FROM groups g JOIN sources s ON s.id = g.source_id"

#define RUN_COLS							\
	"id, started_at, at, finished_at, state, source FROM sync_runs"

#define ACTION_COLS							\
	"id, run_id, seq, kind, user_id, email, given_name, surname, "	\
	"group_id, key, days, profile, usage, old_serials, state, "	\
	"new_serials, error, done_at FROM sync_actions"

#define EVENT_COLS							\
	"id, kind, created_at, user_id, email, serial, group_id, domain, " \
	"data, state, attempts, next_attempt_at, lease_until, claimed_by, " \
	"last_error, done_at FROM events"

/* An event a worker may take at ?1: due, or its lease ran out. */
#define EVENT_DUE							\
	"(state = 'pending' AND next_attempt_at <= ?1) OR "		\
	"(state = 'claimed' AND lease_until <= ?1)"

#define DOMAIN_COLS							\
	"name, token, created_at, verified_at, valid_until, method, "	\
	"last_check_at, last_error FROM domains"

#define TOKEN_COLS							\
	"id, name, role, groups, hash, created_at, expires_at, "	\
	"revoked_at, last_used_at FROM tokens"

#define AUDIT_COLS							\
	"id, at, actor, action, target, result, prev_hash, hash FROM audit"

#define RESPONDER_COLS							\
	"id, ca_id, serial, key_id, der, not_before, not_after, "	\
	"created_at FROM responders"

const struct sq_query sq_queries[STMT__MAX] = {
	[STMT_BEGIN] = { "BEGIN IMMEDIATE", "begin a transaction" },
	[STMT_COMMIT] = { "COMMIT", "commit" },
	[STMT_ROLLBACK] = { "ROLLBACK", "roll back" },
	[STMT_KEY_PUT] = { "INSERT INTO keys(id, alg, sealed, created_at) "
	    "VALUES (?1, ?2, ?3, ?4)", "store a key" },
	[STMT_KEY_GET] = { "SELECT id, alg, sealed FROM keys WHERE id = ?1",
	    "look up a key" },
	[STMT_CA_PUT] = { "INSERT INTO cas(name, role, parent_id, state, "
	    "serial, key_id, der, not_before, not_after, created_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    "store a CA" },
	[STMT_CA_GET] = { "SELECT " CA_COLS " WHERE name = ?1",
	    "look up a CA" },
	[STMT_CA_GET_ID] = { "SELECT " CA_COLS " WHERE id = ?1",
	    "look up a CA" },
	[STMT_CA_CURRENT] = { "SELECT " CA_COLS " WHERE role = 'issuing' "
	    "AND state = 'active' ORDER BY id DESC LIMIT 1",
	    "look up the issuing CA" },
	[STMT_CA_LIST] = { "SELECT " CA_COLS " ORDER BY id", "list CAs" },
	[STMT_CERT_PUT] = { "INSERT INTO certs(serial, ca_id, email, "
	    "given_name, surname, profile, key_alg, key_id, der, not_before, "
	    "not_after, created_at, state, reason, revoked_at, usage, user_id) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17)", "store a certificate" },
	[STMT_CERT_GET] = { "SELECT " CERT_COLS " WHERE c.serial = ?1",
	    "look up a certificate" },
	[STMT_CERT_REVOKE] = { "UPDATE certs SET state = 'revoked', "
	    "reason = ?2, revoked_at = ?3 WHERE serial = ?1 AND "
	    "state = 'valid'", "revoke a certificate" },
	[STMT_CERT_STATE] = { "SELECT state FROM certs WHERE serial = ?1",
	    "look up a certificate" },
	[STMT_CERT_SUPERSEDE] = { "UPDATE certs SET superseded_by = ?2 "
	    "WHERE serial = ?1", "mark a certificate superseded" },
	[STMT_CERT_RELEASE] = { "UPDATE certs SET key_id = NULL, "
	    "key_released_at = ?2 WHERE serial = ?1 AND key_id = ?3",
	    "release a key" },
	[STMT_KEY_DELETE] = { "DELETE FROM keys WHERE id = ?1",
	    "delete a key" },
	[STMT_CA_STATE] = { "UPDATE cas SET state = ?2 WHERE name = ?1",
	    "change a CA's state" },
	[STMT_CRL_PUT] = { "INSERT INTO crls(ca_id, number, this_update, "
	    "next_update, der) VALUES (?1, ?2, ?3, ?4, ?5)", "store a CRL" },
	[STMT_CRL_LAST] = { "SELECT COALESCE(MAX(number), 0) FROM crls "
	    "WHERE ca_id = ?1", "read a CRL number" },
	[STMT_CRL_LATEST] = { "SELECT ca_id, number, this_update, "
	    "next_update, der FROM crls WHERE ca_id = ?1 "
	    "ORDER BY number DESC LIMIT 1", "read a CRL" },
	[STMT_DOMAIN_PUT] = { "INSERT INTO domains(name, token, created_at, "
	    "verified_at, valid_until, method, last_check_at, last_error) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", "store a domain" },
	[STMT_DOMAIN_GET] = { "SELECT " DOMAIN_COLS " WHERE name = ?1",
	    "look up a domain" },
	[STMT_DOMAIN_LIST] = { "SELECT " DOMAIN_COLS " ORDER BY name",
	    "list domains" },
	[STMT_DOMAIN_UPDATE] = { "UPDATE domains SET verified_at = ?2, "
	    "valid_until = ?3, method = ?4, last_check_at = ?5, "
	    "last_error = ?6 WHERE name = ?1", "update a domain" },
	[STMT_SOURCE_PUT] = { "INSERT INTO sources(name, type, params, "
	    "created_at) VALUES (?1, ?2, ?3, ?4)", "store a source" },
	[STMT_SOURCE_GET] = { "SELECT " SOURCE_COLS " WHERE name = ?1",
	    "look up a source" },
	[STMT_SOURCE_GET_ID] = { "SELECT " SOURCE_COLS " WHERE id = ?1",
	    "look up a source" },
	[STMT_SOURCE_LIST] = { "SELECT " SOURCE_COLS " ORDER BY name",
	    "list sources" },
	[STMT_SOURCE_STATUS] = { "UPDATE sources SET last_read_at = ?2, "
	    "last_error = ?3 WHERE id = ?1", "record a source's status" },
	[STMT_SOURCE_DELETE] = { "DELETE FROM sources WHERE name = ?1",
	    "delete a source" },
	[STMT_APPLY_GROUPS] = { "SELECT id, name, present FROM groups "
	    "WHERE source_id = ?1", "read a source's groups" },
	[STMT_APPLY_GROUP_ADD] = { "INSERT INTO groups(source_id, name, "
	    "present) VALUES (?1, ?2, 1)", "add a group" },
	[STMT_APPLY_GROUP_PRESENT] = { "UPDATE groups SET present = ?2 "
	    "WHERE id = ?1", "update a group" },
	[STMT_APPLY_USERS] = { "SELECT id, ext_id, email, given_name, "
	    "surname, present FROM users WHERE source_id = ?1 ORDER BY id",
	    "read a source's users" },
	[STMT_APPLY_USER_ADD] = { "INSERT INTO users(source_id, ext_id, "
	    "email, given_name, surname, present, first_seen, last_seen) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)", "add a user" },
	[STMT_APPLY_USER_UPDATE] = { "UPDATE users SET email = ?2, "
	    "given_name = ?3, surname = ?4, present = 1, last_seen = ?5 "
	    "WHERE id = ?1", "update a user" },
	[STMT_APPLY_USER_ABSENT] = { "UPDATE users SET present = 0 "
	    "WHERE id = ?1", "mark a user absent" },
	[STMT_APPLY_MEMBERS] = { "SELECT m.user_id, m.group_id FROM "
	    "memberships m JOIN users u ON u.id = m.user_id "
	    "WHERE u.source_id = ?1 ORDER BY m.user_id, m.group_id",
	    "read a source's memberships" },
	[STMT_APPLY_MEMBER_ADD] = { "INSERT INTO memberships(user_id, "
	    "group_id) VALUES (?1, ?2)", "add a membership" },
	[STMT_APPLY_MEMBER_DELETE] = { "DELETE FROM memberships "
	    "WHERE user_id = ?1 AND group_id = ?2", "delete a membership" },
	[STMT_USER_LIST] = { "SELECT " USER_COLS " WHERE (?1 = 0 OR "
	    "u.source_id = ?1) AND (?2 = -1 OR u.present = ?2) ORDER BY u.id",
	    "list users" },
	[STMT_USER_LIST_GROUPS] = { "SELECT m.user_id, m.group_id FROM "
	    "memberships m JOIN users u ON u.id = m.user_id WHERE (?1 = 0 OR "
	    "u.source_id = ?1) AND (?2 = -1 OR u.present = ?2) "
	    "ORDER BY m.user_id, m.group_id", "list users' groups" },
	[STMT_USER_GET] = { "SELECT " USER_COLS " WHERE u.id = ?1",
	    "look up a user" },
	[STMT_USER_GROUPS] = { "SELECT group_id FROM memberships "
	    "WHERE user_id = ?1 ORDER BY group_id", "read a user's groups" },
	[STMT_GROUP_LIST] = { "SELECT " GROUP_COLS " ORDER BY s.name, g.name",
	    "list groups" },
	[STMT_GROUP_GET] = { "SELECT " GROUP_COLS " WHERE s.name = ?1 AND "
	    "g.name = ?2", "look up a group" },
	[STMT_GROUP_GET_ANY] = { "SELECT " GROUP_COLS " WHERE g.name = ?1 "
	    "ORDER BY s.name", "look up a group" },
	[STMT_GROUP_POLICY] = { "UPDATE groups SET auto_request = ?2, "
	    "key = ?3, days = ?4, profile = ?5, usage = ?6 WHERE id = ?1",
	    "set a group's policy" },
	[STMT_SETTING_GET] = { "SELECT value FROM settings WHERE key = ?1",
	    "read a setting" },
	[STMT_SETTING_SET] = { "INSERT INTO settings(key, value) "
	    "VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET "
	    "value = excluded.value", "write a setting" },
	[STMT_SETTING_DELETE] = { "DELETE FROM settings WHERE key = ?1",
	    "delete a setting" },
	[STMT_RUN_PUT] = { "INSERT INTO sync_runs(started_at, at, state, "
	    "source) VALUES (?1, ?2, 'applying', ?3)", "store a sync run" },
	[STMT_RUN_UNFINISHED] = { "SELECT " RUN_COLS " WHERE state = "
	    "'applying'", "look up the unfinished sync run" },
	[STMT_RUN_LATEST] = { "SELECT " RUN_COLS " ORDER BY id DESC LIMIT 1",
	    "look up the latest sync run" },
	[STMT_RUN_FINISH] = { "UPDATE sync_runs SET state = 'done', "
	    "finished_at = ?2 WHERE id = ?1 AND state = 'applying'",
	    "finish a sync run" },
	[STMT_ACTION_PUT] = { "INSERT INTO sync_actions(run_id, seq, kind, "
	    "user_id, email, given_name, surname, group_id, key, days, "
	    "profile, usage, old_serials, state) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'planned')",
	    "store a sync action" },
	[STMT_ACTION_LIST] = { "SELECT " ACTION_COLS " WHERE run_id = ?1 "
	    "AND (?2 IS NULL OR state = ?2) ORDER BY seq",
	    "list sync actions" },
	[STMT_ACTION_FINISH] = { "UPDATE sync_actions SET state = ?2, "
	    "new_serials = ?3, error = ?4, done_at = ?5 WHERE id = ?1 AND "
	    "state = 'planned'", "finish a sync action" },
	[STMT_ACTION_STATE] = { "SELECT state FROM sync_actions "
	    "WHERE id = ?1", "look up a sync action" },
	[STMT_EVENT_PUT] = { "INSERT INTO events(kind, created_at, user_id, "
	    "email, serial, group_id, domain, data, state, next_attempt_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9)",
	    "store an event" },
	[STMT_EVENT_LIST] = { "SELECT " EVENT_COLS " WHERE (?1 IS NULL OR "
	    "kind = ?1) AND (?2 IS NULL OR state = ?2) AND (?3 = 0 OR "
	    "user_id = ?3) AND id > ?4 ORDER BY id LIMIT ?5",
	    "list events" },
	[STMT_EVENT_DUE] = { "SELECT id FROM events WHERE " EVENT_DUE
	    " ORDER BY id LIMIT ?2", "find due events" },
	[STMT_EVENT_LEASE] = { "UPDATE events SET state = 'claimed', "
	    "claimed_by = ?2, lease_until = ?3, attempts = attempts + 1 "
	    "WHERE id = ?1", "claim an event" },
	[STMT_EVENT_GET] = { "SELECT " EVENT_COLS " WHERE id = ?1",
	    "look up an event" },
	[STMT_EVENT_COMPLETE] = { "UPDATE events SET state = 'done', "
	    "done_at = ?3, lease_until = NULL WHERE id = ?1 AND "
	    "state = 'claimed' AND claimed_by = ?2", "complete an event" },
	[STMT_EVENT_RETRY] = { "UPDATE events SET state = CASE WHEN "
	    "attempts >= ?5 THEN 'failed' ELSE 'pending' END, "
	    "claimed_by = CASE WHEN attempts >= ?5 THEN claimed_by END, "
	    "last_error = ?3, next_attempt_at = ?4, lease_until = NULL "
	    "WHERE id = ?1 AND state = 'claimed' AND claimed_by = ?2",
	    "give an event back" },
	[STMT_EVENT_STATE] = { "SELECT state FROM events WHERE id = ?1",
	    "look up an event" },
	[STMT_ALERT_RAISE] = { "INSERT INTO alerts(key, raised_at) "
	    "VALUES (?1, ?2) ON CONFLICT(key) DO NOTHING", "raise an alert" },
	[STMT_ALERT_CLEAR] = { "DELETE FROM alerts WHERE key = ?1",
	    "clear an alert" },
	[STMT_TOKEN_PUT] = { "INSERT INTO tokens(name, role, groups, hash, "
	    "created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	    "store a token" },
	[STMT_TOKEN_BY_HASH] = { "SELECT " TOKEN_COLS " WHERE hash = ?1",
	    "look up a token" },
	[STMT_TOKEN_LIST] = { "SELECT " TOKEN_COLS " ORDER BY id",
	    "list tokens" },
	[STMT_TOKEN_REVOKE] = { "UPDATE tokens SET revoked_at = ?2 "
	    "WHERE id = ?1 AND revoked_at IS NULL", "revoke a token" },
	[STMT_TOKEN_STATE] = { "SELECT revoked_at, last_used_at FROM tokens "
	    "WHERE id = ?1", "look up a token" },
	[STMT_TOKEN_TOUCH] = { "UPDATE tokens SET last_used_at = ?2 "
	    "WHERE id = ?1", "record a token's use" },
	[STMT_AUDIT_PUT] = { "INSERT INTO audit(id, at, actor, action, "
	    "target, result, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, "
	    "?6, ?7, ?8)", "append to the audit log" },
	[STMT_AUDIT_NEWEST] = { "SELECT id, hash FROM audit "
	    "ORDER BY id DESC LIMIT 1", "read the audit log" },
	[STMT_AUDIT_LIST] = { "SELECT " AUDIT_COLS " WHERE id > ?1 "
	    "ORDER BY id LIMIT ?2", "read the audit log" },
	[STMT_AUDIT_LIST_DESC] = { "SELECT " AUDIT_COLS " WHERE ?1 = 0 OR "
	    "id < ?1 ORDER BY id DESC LIMIT ?2", "read the audit log" },
	[STMT_RESPONDER_PUT] = { "INSERT INTO responders(ca_id, serial, "
	    "key_id, der, not_before, not_after, created_at) VALUES (?1, ?2, "
	    "?3, ?4, ?5, ?6, ?7)", "store an OCSP responder" },
	[STMT_RESPONDER_LATEST] = { "SELECT " RESPONDER_COLS " WHERE "
	    "ca_id = ?1 ORDER BY id DESC LIMIT 1",
	    "look up an OCSP responder" },
	/* 0 valid, 1 revoked, 2 expired: the store_stats.certs index. */
	[STMT_STATS_CERTS] = { "SELECT CASE WHEN state = 'revoked' THEN 1 "
	    "WHEN not_after < ?1 THEN 2 ELSE 0 END AS k, COUNT(*) FROM certs "
	    "GROUP BY k", "count certificates" },
	[STMT_STATS_EVENTS] = { "SELECT state, COUNT(*), MIN(CASE WHEN "
	    "state = 'pending' THEN created_at END) FROM events GROUP BY state",
	    "count events" },
};
