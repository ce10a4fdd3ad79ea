#!/bin/sh
# The init script a PM2 or supervisord set-up runs before its first start (bench/stack.ts):
# makes a PostgreSQL cluster the way the supervisor's default stack does
# (src/main/core/postgres/cluster.ts: the same initdb options), as an unprivileged user
# when run as root, since PostgreSQL refuses to run as root.
#
# Usage: stack-initdb.sh <bin folder> <service folder> <user> <superuser password>
# Makes <service folder> (0711) and the cluster <service folder>/postgres (0700, the user's).
set -eu
bin=$1
dir=$2
user=$3
password=$4

mkdir -p -m 0711 "$dir"
mkdir -m 0700 "$dir/postgres"
pwfile="$dir/initdb.pw"
umask 077
printf '%s\n' "$password" >"$pwfile"
as=
if [ "$(id -u)" = 0 ]; then
  chown "$user:" "$dir/postgres" "$pwfile"
  as="setpriv --reuid=$user --regid=$user --clear-groups"
fi
# shellcheck disable=SC2086 # $as is a command prefix of words
LC_ALL=C LANG=C $as "$bin/initdb" -D "$dir/postgres" -U postgres --pwfile="$pwfile" \
  --encoding=UTF8 --locale=C --locale-provider=builtin --builtin-locale=C.UTF-8 \
  --auth=scram-sha-256 --no-instructions >"$dir/initdb.log" 2>&1
rm -f "$pwfile"
