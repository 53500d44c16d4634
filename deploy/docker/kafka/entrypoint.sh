#!/bin/bash
# Writes the broker's properties (deploy/kafka/server.properties + where it runs + KAFKA_CFG_* overrides, e.g.
# KAFKA_CFG_NUM_PARTITIONS=6 → num.partitions=6), formats the KRaft storage on the first start, then runs the
# broker in the foreground.
#
# Every listener is TLS with client certificates, as server.properties requires (the local broker's settings):
#   KAFKA_TLS_KEYSTORE_FILE    PEM: the broker's private key, then its certificate chain (CN=kafka, a super user;
#                              a DNS name the clients connect to)
#   KAFKA_TLS_TRUSTSTORE_FILE  PEM: the CA(s) whose client certificates are accepted (and the controller's)
# Both are required: a broker without them would refuse every client anyway, so it says so at once instead.
set -euo pipefail
# /tmp: the image runs with a read-only root file system (compose read_only, the chart readOnlyRootFilesystem).
props=/tmp/server.properties
classpath='/opt/kafka/libs/*'

for var in KAFKA_TLS_KEYSTORE_FILE KAFKA_TLS_TRUSTSTORE_FILE; do
  file="${!var:-}"
  if [ -z "$file" ]; then
    echo "kafka: $var is not set (the broker listens with mutual TLS only)" >&2
    exit 64
  fi
  if ! [ -r "$file" ]; then
    echo "kafka: $var=$file cannot be read by uid $(id -u) (groups $(id -G))" >&2
    exit 66
  fi
done

{
  cat /opt/kafka/config/server.properties
  echo
  echo "# written by the container entrypoint"
  echo "log.dirs=/var/lib/kafka/data"
  # The controller speaks TLS too, with the broker's own certificate (as the local broker does): nothing of the
  # cluster travels in the clear, and the node proves who it is to its controller (User:kafka, a super user).
  echo "listeners=${KAFKA_LISTENERS:-SSL://:9092,CONTROLLER://127.0.0.1:9093}"
  echo "advertised.listeners=${KAFKA_ADVERTISED_LISTENERS:-SSL://$(hostname):9092}"
  echo "listener.security.protocol.map=CONTROLLER:SSL,SSL:SSL"
  echo "inter.broker.listener.name=SSL"
  echo "controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS:-1@127.0.0.1:9093}"
  echo "ssl.keystore.location=$KAFKA_TLS_KEYSTORE_FILE"
  echo "ssl.truststore.location=$KAFKA_TLS_TRUSTSTORE_FILE"
  for var in $(compgen -e | grep '^KAFKA_CFG_' || true); do
    name=$(echo "${var#KAFKA_CFG_}" | tr 'A-Z_' 'a-z.')
    echo "$name=${!var}"
  done
} >"$props"

if [ ! -f /var/lib/kafka/data/meta.properties ]; then
  cluster_id="${KAFKA_CLUSTER_ID:-$(java -cp "$classpath" kafka.tools.StorageTool random-uuid)}"
  java -cp "$classpath" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >/dev/null
  echo "kafka: formatted storage for cluster $cluster_id"
fi

exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
  -Dkafka.logs.dir=/var/lib/kafka/logs -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties \
  -cp "$classpath" kafka.Kafka "$props"
