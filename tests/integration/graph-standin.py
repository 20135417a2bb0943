#!/usr/bin/env python3
"""graph-standin.py: a local stand-in for Microsoft Graph and the Microsoft
identity platform's token endpoint, for tests/integration/graph.sh.

The real service is not reachable from the test machines, so the Graph
source is tested against this server instead. It answers the documented
responses the reader depends on, and nothing more:

- the OAuth 2.0 client-credentials flow
  (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow):
  POST /{tenant}/oauth2/v2.0/token with a form body; a token on success,
  400/401 with {"error": ..., "error_description": "AADSTS..."} otherwise;
- paging (https://learn.microsoft.com/graph/paging): a "value" array and an
  opaque @odata.nextLink until the last page;
- throttling (https://learn.microsoft.com/graph/throttling): 429 or 503 with
  Retry-After;
- GET /groups/{id}?$select=id,displayName and
  GET /groups/{id}/transitiveMembers/microsoft.graph.user (only the
  $select'ed properties, null where unset), with Bearer tokens it issued
  checked on every request (401 otherwise).

It serves the JSON fixture named on the command line:

  {"tenant": T, "client_id": C, "client_secret": S, "page_size": N,
   "users": {ID: {"mail": ..., "givenName": ..., "surname": ...,
                  "userPrincipalName": ..., "proxyAddresses": [...]}},
   "groups": {GUID: {"displayName": NAME, "members": [ID, ...],
                     "throttle_pages": [P, ...],  429 once for each page
                     "bare_throttle_pages": [P],  the same, no Retry-After
                     "fail_pages": [P, ...],      503 on every request
                     "foreign_next": true,        nextLink to another host
                     "limited": true}}}           users as an app without
                                                  User.Read.All sees them

It listens on 127.0.0.1 on a free port, writes the port to --port-file once
it accepts connections, and logs "METHOD HOST PATH STATUS" per request to
--log.
"""
import argparse
import json
import os
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER_PROPS = ("id", "mail", "givenName", "surname", "userPrincipalName",
              "proxyAddresses")


class State:
    def __init__(self, fixture, log):
        self.fx = fixture
        self.log = log
        self.lock = threading.Lock()
        self.tokens = set()
        self.throttled = set()   # (group, page) already answered 429


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None  # set in main()

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj, headers=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)
        with self.state.lock:
            with open(self.state.log, "a") as f:
                f.write("%s %s %s %d\n" % (self.command,
                                             self.headers.get("Host", "-"),
                                             self.path, status))

    def graph_error(self, status, code, message, headers=()):
        self.reply(status, {"error": {"code": code, "message": message}},
                   headers)

    def oauth_error(self, status, error, description):
        code = int(description[6:description.index(":")])
        self.reply(status, {"error": error,
                            "error_description": description,
                            "error_codes": [code]})

    # --- token endpoint ----------------------------------------------------
    def do_POST(self):
        fx = self.state.fx
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(),
                                     keep_blank_values=True)
        form = {k: v[0] for k, v in form.items()}
        parts = self.path.split("/")
        if len(parts) != 5 or parts[2:] != ["oauth2", "v2.0", "token"]:
            return self.graph_error(404, "NotFound", "no such endpoint")
        if parts[1] != fx["tenant"]:
            return self.oauth_error(400, "invalid_request",
                                    "AADSTS9000215: Tenant '%s' not found."
                                    % parts[1])
        if self.headers.get("Content-Type", "") != \
                "application/x-www-form-urlencoded":
            return self.oauth_error(400, "invalid_request",
                                    "AADSTS9000410: Malformed JSON.")
        if form.get("grant_type") != "client_credentials":
            return self.oauth_error(400, "unsupported_grant_type",
                                    "AADSTS7000000: unsupported grant type.")
        if form.get("client_id") != fx["client_id"]:
            return self.oauth_error(400, "unauthorized_client",
                                    "AADSTS7000001: Application with "
                                    "identifier '%s' was not found."
                                    % form.get("client_id"))
        port = self.server.server_address[1]
        want = "http://127.0.0.1:%d/.default" % port
        if form.get("scope") != want:
            return self.oauth_error(400, "invalid_scope",
                                    "AADSTS1002012: The provided value for "
                                    "scope %s is not valid; want %s."
                                    % (form.get("scope"), want))
        if form.get("client_secret") != fx["client_secret"]:
            return self.oauth_error(401, "invalid_client",
                                    "AADSTS7000215: Invalid client secret "
                                    "provided.\r\nTrace ID: 0000\r\n")
        token = secrets.token_urlsafe(48)
        with self.state.lock:
            self.state.tokens.add(token)
        self.reply(200, {"token_type": "Bearer", "expires_in": 3599,
                         "ext_expires_in": 3599, "access_token": token})

    # --- Graph ------------------------------------------------------------
    def do_GET(self):
        fx = self.state.fx
        auth = self.headers.get("Authorization", "")
        with self.state.lock:
            good = auth.startswith("Bearer ") and \
                auth[7:] in self.state.tokens
        if not good:
            return self.graph_error(401, "InvalidAuthenticationToken",
                                    "Access token is empty or invalid.")
        url = urllib.parse.urlsplit(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        parts = url.path.split("/")
        if len(parts) < 4 or parts[1] != "v1.0" or parts[2] != "groups":
            return self.graph_error(400, "BadRequest",
                                    "Invalid request path %s" % url.path)
        gid = parts[3].lower()
        group = fx["groups"].get(gid)
        if group is None:
            return self.graph_error(404, "Request_ResourceNotFound",
                                    "Resource '%s' does not exist or one "
                                    "of its queried reference-property "
                                    "objects are not present." % parts[3])
        if len(parts) == 4:
            return self.reply(200, {
                "@odata.context": "https://graph.microsoft.com/v1.0/"
                                  "$metadata#groups(id,displayName)/$entity",
                "id": gid, "displayName": group["displayName"]})
        if parts[4:] != ["transitiveMembers", "microsoft.graph.user"]:
            return self.graph_error(400, "BadRequest",
                                    "Unsupported segment %s" % url.path)
        if q.get("$count") == "true" and \
                self.headers.get("ConsistencyLevel") != "eventual":
            return self.graph_error(400, "Request_UnsupportedQuery",
                                    "$count needs ConsistencyLevel: "
                                    "eventual.")
        return self.members(gid, group, q)

    def members(self, gid, group, q):
        fx = self.state.fx
        page = int(q.get("$skiptoken", "1"))
        size = min(int(q.get("$top", "100")), fx["page_size"])
        if page in group.get("fail_pages", []):
            return self.graph_error(503, "serviceNotAvailable",
                                    "Service unavailable.",
                                    [("Retry-After", "1")])
        for key, hdrs in (("throttle_pages", [("Retry-After", "1")]),
                          ("bare_throttle_pages", [])):
            if page not in group.get(key, []):
                continue
            with self.state.lock:
                first = (gid, page) not in self.state.throttled
                self.state.throttled.add((gid, page))
            if first:
                return self.graph_error(429, "TooManyRequests",
                                        "Too many requests.", hdrs)
        select = q.get("$select", "id").split(",")
        ids = group["members"]
        chunk = ids[(page - 1) * size:page * size]
        value = []
        for uid in chunk:
            u = fx["users"][uid.lower()]
            e = {"@odata.type": "#microsoft.graph.user", "id": uid}
            for p in select:
                if p == "id":
                    continue
                e[p] = None if group.get("limited") else u.get(p)
            value.append(e)
        out = {"@odata.context": "https://graph.microsoft.com/v1.0/"
                                 "$metadata#users(%s)" % ",".join(select),
               "@odata.count": len(ids), "value": value}
        if page * size < len(ids):
            port = self.server.server_address[1]
            host = "localhost" if group.get("foreign_next") else "127.0.0.1"
            nq = dict(q)
            nq["$skiptoken"] = str(page + 1)
            out["@odata.nextLink"] = "http://%s:%d/v1.0/groups/%s/" \
                "transitiveMembers/microsoft.graph.user?%s" % (
                    host, port, gid, urllib.parse.urlencode(nq, safe="$,"))
        self.reply(200, out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fixture")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    with open(a.fixture) as f:
        fx = json.load(f)
    fx["users"] = {k.lower(): v for k, v in fx["users"].items()}
    Handler.state = State(fx, a.log)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
