#!/bin/bash
# The app images' HEALTHCHECK: GET $HEALTHCHECK_URL (the app's readiness endpoint on the container's loopback,
# http://127.0.0.1:<port><path>, from its launch.json), healthy on a 2xx status line. Plain bash over /dev/tcp:
# a probe every few seconds per container must not start a Node process each time. Kubernetes does not use it
# (the chart's probes call the same endpoints).
set -eu
url="${HEALTHCHECK_URL:?HEALTHCHECK_URL is not set}"
rest="${url#http://}"
hostport="${rest%%/*}"
path="/${rest#*/}"
exec 3<>"/dev/tcp/${hostport%:*}/${hostport##*:}"
printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$hostport" >&3
read -r -t 3 status <&3
case "$status" in
  HTTP/1.?\ 2??\ *) exit 0 ;;
  *) echo "unhealthy: ${status:-no answer}" >&2; exit 1 ;;
esac
