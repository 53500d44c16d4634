#!/usr/bin/env node
// The app images' HEALTHCHECK: healthy when HEALTHCHECK_URL (the app's readiness endpoint on the container's
// loopback, from its launch.json) answers 2xx within the timeout. Kubernetes does not use it (the chart's probes
// call the same endpoints over HTTP).
const url = process.env.HEALTHCHECK_URL;
if (!url) {
  console.error('HEALTHCHECK_URL is not set');
  process.exit(1);
}
fetch(url, { signal: AbortSignal.timeout(2500) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
