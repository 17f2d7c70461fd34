{{- define "tenant-gateway.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tenant-gateway.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "tenant-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tenant-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tenant-gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{ include "tenant-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "tenant-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tenant-gateway.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tenant-gateway.configMapName" -}}
{{- default (include "tenant-gateway.fullname" .) .Values.existingConfigMap -}}
{{- end -}}

{{- define "tenant-gateway.redisSecretName" -}}
{{- default (printf "%s-redis" (include "tenant-gateway.fullname" .)) .Values.redis.existingSecret -}}
{{- end -}}

{{/* More than one replica shares state: refuse to render without Redis. */}}
{{- define "tenant-gateway.validate" -}}
{{- if and (or (gt (int .Values.replicaCount) 1) .Values.autoscaling.enabled) (not .Values.redis.url) -}}
{{- fail "replicaCount > 1 or autoscaling needs redis.url: replicas share revocations, memberships and rate limits through Redis (and routes.yaml must set state.redis.url: ${REDIS_URL})" -}}
{{- end -}}
{{- end -}}
