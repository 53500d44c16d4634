#!/bin/bash
# Writes the broker's properties (deploy/kafka/server.properties + where it runs + KAFKA_CFG_* overrides, e.g.
# KAFKA_CFG_ADVERTISED_LISTENERS=PLAINTEXT://kafka:9092 → advertised.listeners=…), formats the KRaft storage on
# the first start, then runs the broker in the foreground.
set -euo pipefail
# /tmp: the image runs with a read-only root file system (compose read_only, the chart readOnlyRootFilesystem).
props=/tmp/server.properties
classpath='/opt/kafka/libs/*'
{
  cat /opt/kafka/config/server.properties
  echo
  echo "# written by the container entrypoint"
  echo "log.dirs=/var/lib/kafka/data"
  echo "listeners=${KAFKA_LISTENERS:-PLAINTEXT://:9092,CONTROLLER://:9093}"
  echo "advertised.listeners=${KAFKA_ADVERTISED_LISTENERS:-PLAINTEXT://$(hostname):9092}"
  echo "controller.quorum.voters=${KAFKA_CONTROLLER_QUORUM_VOTERS:-1@127.0.0.1:9093}"
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
