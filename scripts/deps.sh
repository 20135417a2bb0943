#!/bin/sh
# Installs the Debian packages mailcert builds and tests with, only those
# missing, so a second run costs one dpkg query per package.
set -eu
PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev
libssl-dev openssl libsqlite3-dev libcurl4-openssl-dev sqlite3 libjansson-dev libcmocka-dev
libnss3-tools gpgsm gpg-agent libc-ares-dev dnsmasq-base bind9-dnsutils
libldap-dev slapd ldap-utils python3 jq libmicrohttpd-dev wrk chromium"
missing=""
# The dashboard test drives Chromium with playwright-core (npm); Node.js
# comes with the machine where it can, from Debian otherwise.
command -v node >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
# Without a policy, installing a server package would start it as a system
# service on its standard port; the tests start their own peers.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
