{{/* Names and labels. Every object is <release>-<component>; selectors use instance + component. */}}
{{- define "wxpay.name" -}}{{ printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" }}{{- end -}}

{{- define "wxpay.selector" -}}
app.kubernetes.io/name: wxpay-gateway
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "wxpay.labels" -}}
{{ include "wxpay.selector" . }}
app.kubernetes.io/part-of: wxpay-gateway
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* The image of one service (or `app` for the jobs): repository/<name>:<its digest tag>. */}}
{{- define "wxpay.image" -}}
{{- $tag := index .root.Values.image.tags .image | required (printf "image.tags.%s is required" .image) -}}
{{- $repo := .root.Values.image.repository | required "image.repository is required" -}}
{{ printf "%s/%s:%s" $repo .image $tag }}
{{- end -}}

{{- define "wxpay.envPrefix" -}}{{ . | upper | replace "-" "_" }}{{- end -}}

{{/* Pod-level hardening shared by every workload (the images run as uid 10001). */}}
{{- define "wxpay.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "wxpay.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities:
    drop: [ALL]
{{- end -}}

{{/* Kafka client settings (libs/messaging's kafkaConnectionFromEnv) of a service or the topics job; the TLS
     files are the Secret wxpay.kafkaVolume mounts. Argument: the root context. */}}
{{- define "wxpay.kafkaEnv" -}}
{{- $protocol := .Values.kafka.securityProtocol -}}
{{- if not (has $protocol (list "SSL" "SASL_SSL" "PLAINTEXT")) -}}
{{- fail (printf "kafka.securityProtocol must be SSL, SASL_SSL or PLAINTEXT (got %v)" $protocol) -}}
{{- end -}}
- name: KAFKA_BROKERS
  value: {{ .Values.kafka.brokers | required "kafka.brokers is required" | quote }}
- name: KAFKA_SECURITY_PROTOCOL
  value: {{ $protocol | quote }}
{{- if ne $protocol "PLAINTEXT" }}
- name: KAFKA_TLS_CA_FILE
  value: /var/run/secrets/wxpay/kafka/ca.crt
{{- end }}
{{- if eq $protocol "SSL" }}
- name: KAFKA_TLS_CERT_FILE
  value: /var/run/secrets/wxpay/kafka/tls.crt
- name: KAFKA_TLS_KEY_FILE
  value: /var/run/secrets/wxpay/kafka/tls.key
{{- end }}
{{- range $name, $value := .Values.kafka.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The Kafka TLS Secret (tls.crt, tls.key, ca.crt) of one identity; nothing with PLAINTEXT. Arguments: root, secret. */}}
{{- define "wxpay.kafkaVolumeMount" -}}
{{- if ne .root.Values.kafka.securityProtocol "PLAINTEXT" }}
- name: kafka-tls
  mountPath: /var/run/secrets/wxpay/kafka
  readOnly: true
{{- end }}
{{- end -}}

{{- define "wxpay.kafkaVolume" -}}
{{- if ne .root.Values.kafka.securityProtocol "PLAINTEXT" }}
- name: kafka-tls
  secret:
    secretName: {{ .secret }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{/* Environment every service shares: Kafka, signed events, logging, mutual TLS files, the database URL file. */}}
{{- define "wxpay.commonEnv" -}}
{{ include "wxpay.kafkaEnv" .root }}
# Signed events: this service's own SM2 key, and every producer's public keys (the consumers refuse to start
# without them).
- name: EVENT_SIGNING_KEY_FILE
  value: /var/run/secrets/wxpay/event-signing/key.pem
- name: EVENT_SIGNING_KEY_ID
  value: {{ .root.Values.eventSigning.keyId | required "eventSigning.keyId is required" | quote }}
- name: EVENT_SIGNERS_FILE
  value: /var/run/secrets/wxpay/event-signers/signers.json
- name: LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- with .root.Values.tracing }}
{{- if .otlpTracesEndpoint }}
- name: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
  value: {{ .otlpTracesEndpoint | quote }}
- name: OTEL_TRACES_SAMPLER_ARG
  value: {{ .sampleRatio | quote }}
{{- end }}
{{- end }}
- name: GRPC_TLS_CA
  value: /var/run/secrets/wxpay/tls/ca.crt
- name: GRPC_TLS_CERT
  value: /var/run/secrets/wxpay/tls/tls.crt
- name: GRPC_TLS_KEY
  value: /var/run/secrets/wxpay/tls/tls.key
- name: {{ include "wxpay.envPrefix" .service }}_DATABASE_URL_FILE
  value: /var/run/secrets/wxpay/database/url
{{- end -}}

{{- define "wxpay.commonVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: tls
  mountPath: /var/run/secrets/wxpay/tls
  readOnly: true
- name: database
  mountPath: /var/run/secrets/wxpay/database
  readOnly: true
- name: event-signing
  mountPath: /var/run/secrets/wxpay/event-signing
  readOnly: true
- name: event-signers
  mountPath: /var/run/secrets/wxpay/event-signers
  readOnly: true
{{- include "wxpay.kafkaVolumeMount" . }}
{{- end -}}

{{- define "wxpay.commonVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
- name: tls
  secret:
    secretName: {{ printf "%s%s" .service .root.Values.tls.secretSuffix }}
    defaultMode: 0440
- name: database
  secret:
    secretName: {{ printf "%s%s-database" .root.Values.database.secretPrefix .service }}
    defaultMode: 0440
    items:
      - key: url
        path: url
- name: event-signing
  secret:
    secretName: {{ printf "%s%s" .service .root.Values.eventSigning.secretSuffix }}
    defaultMode: 0440
    items:
      - key: key.pem
        path: key.pem
- name: event-signers
  secret:
    secretName: {{ .root.Values.eventSigning.signersSecret }}
    defaultMode: 0440
    items:
      - key: signers.json
        path: signers.json
{{- include "wxpay.kafkaVolume" (dict "root" .root "secret" (printf "%s%s" .service .root.Values.kafka.tls.secretSuffix)) }}
{{- end -}}
