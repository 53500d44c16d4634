#!/bin/sh
# First start: initdb with the superuser password from POSTGRES_PASSWORD_FILE (local socket: peer; network:
# SCRAM). Every start: postgres in the foreground as PID 1 (it handles SIGINT as a fast shutdown).
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ ! -r "${POSTGRES_PASSWORD_FILE:-}" ]; then
    echo "postgres: POSTGRES_PASSWORD_FILE must name a readable file with the superuser password" >&2
    exit 1
  fi
  initdb --username=postgres --pwfile="$POSTGRES_PASSWORD_FILE" --auth-local=peer --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 -D "$PGDATA" >/dev/null
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  echo "postgres: initialised $PGDATA"
fi
# The socket goes to /tmp: the container's root file system is read-only and /tmp is its writable scratch space.
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp "$@"
