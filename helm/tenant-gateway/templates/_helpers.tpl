{{- define "tenant-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tenant-gateway.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
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

{{/* The container ports: routes.yaml must listen there (its defaults). */}}
{{- define "tenant-gateway.httpPort" -}}8080{{- end -}}
{{- define "tenant-gateway.adminPort" -}}9901{{- end -}}

{{/* Whether Redis is configured for the chosen mode. */}}
{{- define "tenant-gateway.redisConfigured" -}}
{{- $r := .Values.redis -}}
{{- if eq $r.mode "sentinel" -}}{{- if $r.sentinel.endpoints -}}true{{- end -}}
{{- else if eq $r.mode "cluster" -}}{{- if $r.cluster.endpoints -}}true{{- end -}}
{{- else if $r.url -}}true
{{- end -}}
{{- end -}}

{{/* The Redis endpoints, comma-separated, for REDIS_ENDPOINTS. */}}
{{- define "tenant-gateway.redisEndpoints" -}}
{{- $r := .Values.redis -}}
{{- if eq $r.mode "sentinel" -}}{{ join "," $r.sentinel.endpoints }}
{{- else if eq $r.mode "cluster" -}}{{ join "," $r.cluster.endpoints }}
{{- else -}}{{ $r.url }}
{{- end -}}
{{- end -}}

{{/* resources.limits.memory in MiB (Mi, Gi, M and G suffixes). */}}
{{- define "tenant-gateway.memoryLimitMiB" -}}
{{- $q := toString .Values.resources.limits.memory -}}
{{- if hasSuffix "Gi" $q -}}{{ mul (trimSuffix "Gi" $q | int64) 1024 }}
{{- else if hasSuffix "Mi" $q -}}{{ trimSuffix "Mi" $q | int64 }}
{{- else if hasSuffix "G" $q -}}{{ div (mul (trimSuffix "G" $q | int64) 1000000000) 1048576 }}
{{- else if hasSuffix "M" $q -}}{{ div (mul (trimSuffix "M" $q | int64) 1000000) 1048576 }}
{{- else -}}{{ fail (printf "resources.limits.memory %q: give it with Mi or Gi (for example 512Mi)" $q) }}
{{- end -}}
{{- end -}}

{{/* JAVA_TOOL_OPTIONS: collector, heap and direct memory as shares of the memory limit, processor count. */}}
{{- define "tenant-gateway.javaOpts" -}}
{{- $j := .Values.jvm -}}
{{- $limit := include "tenant-gateway.memoryLimitMiB" . | int64 -}}
{{- $direct := div (mul $limit (int64 $j.directMemoryPercent)) 100 -}}
-XX:+Use{{ $j.gc }}GC -XX:InitialRAMPercentage={{ $j.heapPercent }} -XX:MaxRAMPercentage={{ $j.heapPercent }} -XX:MaxDirectMemorySize={{ $direct }}m -XX:ActiveProcessorCount={{ $j.activeProcessorCount }}{{ with $j.extraOpts }} {{ . }}{{ end }}
{{- end -}}

{{/* The longest a pod may take to stop: what Kubernetes waits before SIGKILL. */}}
{{- define "tenant-gateway.terminationGracePeriodSeconds" -}}
{{- $d := .Values.drain -}}
{{- add (int $d.preStopSleepSeconds) (int $d.delaySeconds) (int $d.shutdownGraceSeconds) (int $d.marginSeconds) -}}
{{- end -}}

{{/* The fewest replicas the Deployment runs: the autoscaler's minimum, or replicaCount. */}}
{{- define "tenant-gateway.minReplicas" -}}
{{- if .Values.autoscaling.enabled -}}{{ .Values.autoscaling.minReplicas }}{{- else -}}{{ .Values.replicaCount }}{{- end -}}
{{- end -}}

{{/* The PodDisruptionBudget's bounds as strings; empty when unset (null or ""). */}}
{{- define "tenant-gateway.pdbMinAvailable" -}}
{{- $value := .Values.podDisruptionBudget.minAvailable -}}
{{- if not (kindIs "invalid" $value) }}{{ $value }}{{ end -}}
{{- end -}}
{{- define "tenant-gateway.pdbMaxUnavailable" -}}
{{- $value := .Values.podDisruptionBudget.maxUnavailable -}}
{{- if not (kindIs "invalid" $value) }}{{ $value }}{{ end -}}
{{- end -}}

{{/* Where tls.secretName is mounted. Beside the routes.yaml mount, never inside it. */}}
{{- define "tenant-gateway.tlsDir" -}}/etc/tenant-gateway-tls{{- end -}}

{{/*
routes.yaml as the chart's ConfigMap holds it: the routes value, and with tls.secretName a listener.tls naming the
mounted Secret's files when routes has no listener section (with one, validate asks for the two lines instead).
*/}}
{{- define "tenant-gateway.routes" -}}
{{- if and .Values.tls.secretName (not (hasKey (fromYaml .Values.routes) "listener")) -}}
{{- $dir := include "tenant-gateway.tlsDir" . -}}
# added by the chart (tls.secretName): the Secret mounted at {{ $dir }}, reloaded when it is renewed
listener:
  tls: { cert_file: {{ $dir }}/tls.crt, key_file: {{ $dir }}/tls.key }
{{ end -}}
{{ .Values.routes }}
{{- end -}}

{{/* Values that render but would not work: refused with the reason and the fix. */}}
{{- define "tenant-gateway.validate" -}}
{{- $v := .Values -}}
{{- if and (or (gt (int $v.replicaCount) 1) $v.autoscaling.enabled) (not (include "tenant-gateway.redisConfigured" .)) -}}
{{- fail (printf "replicaCount > 1 or autoscaling needs Redis (redis.mode %s: %s): replicas share revocations, memberships and rate limits through Redis, and routes.yaml must use it (state.redis)" $v.redis.mode (ternary "redis.url" (printf "redis.%s.endpoints" $v.redis.mode) (eq $v.redis.mode "standalone"))) -}}
{{- end -}}
{{- if and (eq $v.redis.mode "sentinel") $v.redis.sentinel.endpoints (not $v.redis.sentinel.masterName) -}}
{{- fail "redis.mode sentinel needs redis.sentinel.masterName (the name the sentinels monitor)" -}}
{{- end -}}
{{- if and $v.autoscaling.enabled (gt (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas (%d) is above autoscaling.maxReplicas (%d)" (int $v.autoscaling.minReplicas) (int $v.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- if $v.podDisruptionBudget.enabled -}}
{{- $pdb := $v.podDisruptionBudget -}}
{{- $min := include "tenant-gateway.minReplicas" . | int -}}
{{- $minSet := include "tenant-gateway.pdbMinAvailable" . -}}
{{- $maxSet := include "tenant-gateway.pdbMaxUnavailable" . -}}
{{- if and $minSet $maxSet -}}
{{- fail "podDisruptionBudget: set maxUnavailable or minAvailable, not both (set the other to null)" -}}
{{- else if $minSet -}}
{{- if hasSuffix "%" $minSet -}}
{{- if ge (trimSuffix "%" $minSet | int) 100 -}}
{{- fail "podDisruptionBudget.minAvailable 100% blocks every node drain: use maxUnavailable: 1" -}}
{{- end -}}
{{- else if ge ($minSet | int) $min -}}
{{- fail (printf "podDisruptionBudget.minAvailable (%s) must be below the replica count (%d, the autoscaler's minimum when autoscaling): otherwise no pod may ever be evicted and node drains block. Prefer maxUnavailable: 1" $minSet $min) -}}
{{- end -}}
{{- else if not $maxSet -}}
{{- fail "podDisruptionBudget: set maxUnavailable (preferred) or minAvailable" -}}
{{- else if or (eq $maxSet "0") (eq $maxSet "0%") -}}
{{- fail "podDisruptionBudget.maxUnavailable 0 blocks every node drain: use 1 (or a percentage above 0)" -}}
{{- end -}}
{{- end -}}
{{- if gt (int $v.drain.delaySeconds) 0 -}}
{{- $notice := mul (int $v.readinessProbe.periodSeconds) (int $v.readinessProbe.failureThreshold) -}}
{{- if gt (int $notice) (int $v.drain.delaySeconds) -}}
{{- fail (printf "readinessProbe: periodSeconds x failureThreshold (%ds) exceeds drain.delaySeconds (%ds): a load balancer that follows readiness would still send requests after the gateway stops taking them. Raise the delay or probe more often" (int $notice) (int $v.drain.delaySeconds)) -}}
{{- end -}}
{{- end -}}
{{- if and (gt (int $v.drain.preStopSleepSeconds) 0) (not (semverCompare ">=1.30.0-0" .Capabilities.KubeVersion.Version)) (not $v.drain.preStopExec) -}}
{{- fail (printf "drain.preStopSleepSeconds needs Kubernetes 1.30 or later (the sleep action; this is %s) or drain.preStopExec: true with an image that has a sleep command" .Capabilities.KubeVersion.Version) -}}
{{- end -}}
{{- if and $v.tls.secretName (not $v.existingConfigMap) -}}
{{- $dir := include "tenant-gateway.tlsDir" . -}}
{{- $listener := get (fromYaml $v.routes) "listener" -}}
{{- if kindIs "map" $listener -}}
{{- $tls := get $listener "tls" -}}
{{- $wanted := printf "tls: { cert_file: %s/tls.crt, key_file: %s/tls.key }" $dir $dir -}}
{{- if not (kindIs "map" $tls) -}}
{{- fail (printf "tls.secretName is set and routes has a listener section without tls: add  %s  under listener (the chart adds it only when routes has no listener section)" $wanted) -}}
{{- else if not (and (eq (toString (get $tls "cert_file")) (printf "%s/tls.crt" $dir)) (eq (toString (get $tls "key_file")) (printf "%s/tls.key" $dir))) -}}
{{- fail (printf "tls.secretName is mounted at %s, but routes' listener.tls names other files: write  %s" $dir $wanted) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if and (eq $v.configRollout "restart") $v.existingConfigMap -}}
{{- fail "configRollout restart cannot see the content of existingConfigMap: use configRollout reload (the gateway reloads the mounted file) or roll the Deployment yourself" -}}
{{- end -}}
{{- end -}}
