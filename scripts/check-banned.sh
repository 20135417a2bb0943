#!/bin/sh
# Functions the house style bans (STYLE.md): unbounded string writes,
# non-reentrant time and tokenising, atoi without error reporting, system.
cd "$(dirname "$0")/.." || exit 2
hits=$(grep -nE '(^|[^_a-z])(sprintf|strcpy|strcat|strtok|atoi|gmtime|localtime|system)\(' \
    src/*.c src/*/*.c tests/unit/*.c fuzz/*.c bench/*.c 2>/dev/null)
if [ -n "$hits" ]; then
	echo "banned functions in use:"
	echo "$hits"
	exit 1
fi
echo "ok - no banned functions"
