#!/usr/bin/env python3
#
# ldap-fixture.py: the LDIF of the test directory under dc=example,dc=org,
# written to stdout, and the schema it needs. Deterministic (no clock, no
# randomness), so tests can count what they expect from the same rules.
#
#   ldap-fixture.py schema             the extra schema (slapd.conf include)
#   ldap-fixture.py story              the story directory, described below
#   ldap-fixture.py bulk N K           N users u00000.., K groups, user i in
#                                      group i % K (and every 10th also in
#                                      group (i + 1) % K)
#
# The story directory: ou=people, ou=groups and ou=outside; 300 users
# p001..p300 (inetOrgPerson, entryUUID from slapd). Their traits follow
# their number, so tests can derive any count:
#   - every 10th (p010, p020, ...) has no mail
#   - every 25th has no givenName; every 40th has no sn, which
#     inetOrgPerson requires (AD's user does not): load the story with
#     slapadd -s (lib-slapd.sh slapd_start_with), and do not ldapmodify
#     those entries, slapd would refuse the change
#   - every 7th has an address in unverified.example, the rest example.org
#   - p123 also has proxyAddresses "smtp:old@example.org" and
#     "SMTP:primary@example.org" next to mail p123@example.org
#   - p001..p005 carry an objectGUID (16 bytes: 00 11 .. ee with the last
#     byte the user's number), an AD-like binary id
# Groups (groupOfNames): Staff (p001..p200), Sales (p150..p250, so
# p150..p200 are in two groups), Research (every 3rd user), All (Staff as
# a nested group plus p299 and p300, and x001, a person outside
# ou=people). x001 is an inetOrgPerson under ou=outside.

import sys

BASE = "dc=example,dc=org"
PEOPLE = "ou=people," + BASE
GROUPS = "ou=groups," + BASE
OUTSIDE = "ou=outside," + BASE

SCHEMA = """\
# An AD-like proxyAddresses and objectGUID for the tests, under a private
# arc, carried by an auxiliary class.
attributetype ( 1.3.6.1.4.1.99999.1.1 NAME 'proxyAddresses'
	EQUALITY caseExactIA5Match
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 )
attributetype ( 1.3.6.1.4.1.99999.1.2 NAME 'objectGUID'
	EQUALITY octetStringMatch
	SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.99999.2.1 NAME 'mailcertTestAD'
	AUXILIARY MAY ( proxyAddresses $ objectGUID ) )
"""


def out(s):
    sys.stdout.write(s)


def ous():
    out("dn: %s\nobjectClass: dcObject\nobjectClass: organization\n"
        "o: Example\ndc: example\n\n" % BASE)
    for ou in ("people", "groups", "outside"):
        out("dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n"
            % (ou, BASE, ou))


def guid_b64(n):
    import base64
    raw = bytes([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, n])
    return base64.b64encode(raw).decode()


def person(uid, base, given, sn, mail, extra=""):
    s = "dn: uid=%s,%s\nobjectClass: inetOrgPerson\n" % (uid, base)
    if extra:
        s += "objectClass: mailcertTestAD\n" + extra
    s += "uid: %s\ncn: %s %s\n" % (uid, given or "X", sn or uid)
    if given:
        s += "givenName: %s\n" % given
    if sn:
        s += "sn: %s\n" % sn
    if mail:
        s += "mail: %s\n" % mail
    out(s + "\n")


def story():
    ous()
    for i in range(1, 301):
        uid = "p%03d" % i
        given = None if i % 25 == 0 else "Given%d" % i
        sn = None if i % 40 == 0 else "Surname%d" % i
        dom = "unverified.example" if i % 7 == 0 else "example.org"
        mail = None if i % 10 == 0 else "%s@%s" % (uid, dom)
        extra = ""
        if i == 123:
            extra = ("proxyAddresses: smtp:old@example.org\n"
                     "proxyAddresses: SMTP:primary@example.org\n")
        if i <= 5:
            extra += "objectGUID:: %s\n" % guid_b64(i)
        person(uid, PEOPLE, given, sn, mail, extra)
    person("x001", OUTSIDE, "Out", "Side", "x001@example.org")

    def group(name, members):
        s = "dn: cn=%s,%s\nobjectClass: groupOfNames\ncn: %s\n" % (
            name, GROUPS, name)
        for m in members:
            s += "member: %s\n" % m
        out(s + "\n")

    def p(i):
        return "uid=p%03d,%s" % (i, PEOPLE)

    group("Staff", [p(i) for i in range(1, 201)])
    group("Sales", [p(i) for i in range(150, 251)])
    group("Research", [p(i) for i in range(3, 301, 3)])
    # Other spellings of the same DNs must still match.
    group("All", ["cn=Staff," + GROUPS, "UID=P299,OU=People," + BASE,
                  "uid=p300, ou=people, dc=example, dc=org",
                  "uid=x001," + OUTSIDE])


def bulk(n, k):
    ous()
    for i in range(n):
        uid = "u%05d" % i
        out("dn: uid=%s,%s\nobjectClass: inetOrgPerson\nuid: %s\n"
            "cn: User %d\ngivenName: Given%d\nsn: Surname%d\n"
            "mail: %s@example.org\n\n" % (uid, PEOPLE, uid, i, i, i, uid))
    members = [[] for _ in range(k)]
    for i in range(n):
        members[i % k].append(i)
        if i % 10 == 0 and k > 1:
            members[(i + 1) % k].append(i)
    for g in range(k):
        out("dn: cn=Group%d,%s\nobjectClass: groupOfNames\ncn: Group%d\n"
            % (g, GROUPS, g))
        for i in sorted(members[g]):
            out("member: uid=u%05d,%s\n" % (i, PEOPLE))
        out("\n")


def main():
    a = sys.argv[1:]
    if a == ["schema"]:
        out(SCHEMA)
    elif a == ["story"]:
        story()
    elif len(a) == 3 and a[0] == "bulk":
        bulk(int(a[1]), int(a[2]))
    else:
        sys.exit("usage: ldap-fixture.py schema | story | bulk N K")


main()
