{{/* Chart name, overridable with nameOverride. */}}
{{- define "labfleet.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: fullnameOverride, else release name (+ chart name unless the release already contains it). */}}
{{- define "labfleet.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart label value: name-version. */}}
{{- define "labfleet.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "labfleet.labels" -}}
helm.sh/chart: {{ include "labfleet.chart" . }}
{{ include "labfleet.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: labfleet
{{- end }}

{{/* Labels that select the operator pods; immutable once installed. */}}
{{- define "labfleet.selectorLabels" -}}
app.kubernetes.io/name: {{ include "labfleet.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{/* ServiceAccount name. */}}
{{- define "labfleet.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "labfleet.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Metrics Service name; also the default Prometheus job label. */}}
{{- define "labfleet.metricsServiceName" -}}
{{- printf "%s-metrics" (include "labfleet.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Name of the metrics Service port: https when /metrics is served over TLS. */}}
{{- define "labfleet.metricsPortName" -}}
{{- if .Values.metrics.secure }}https{{ else }}metrics{{ end }}
{{- end }}

{{/* Where the metrics certificate Secret is mounted (--metrics-cert-dir). */}}
{{- define "labfleet.metricsCertDir" -}}
/var/run/secrets/labfleet/metrics-certs
{{- end }}

{{/* The job label the alerts select the operator's series by. */}}
{{- define "labfleet.jobLabel" -}}
{{- default (include "labfleet.metricsServiceName" .) .Values.prometheusRule.jobLabel }}
{{- end }}

{{/* Image reference: repository@digest, else repository:tag (tag defaults to appVersion). */}}
{{- define "labfleet.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}
