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

{{/* Environment every service and job shares: Kafka, logging, mutual TLS files, the database URL file. */}}
{{- define "wxpay.commonEnv" -}}
- name: KAFKA_BROKERS
  value: {{ .root.Values.kafka.brokers | required "kafka.brokers is required" | quote }}
{{- range $name, $value := .root.Values.kafka.env }}
- name: {{ $name }}
  value: {{ $value | quote }}
{{- end }}
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
{{- end -}}
