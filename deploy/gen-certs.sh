#!/usr/bin/env bash
# Certificates for the Portcullis webhook: a private CA and a serving certificate for the
# webhook Service, made with openssl. Optionally stores them in the cluster and writes the CA
# into both webhook configurations' caBundle.
#
#   bash deploy/gen-certs.sh --out ./certs                      # files only: ca.crt, ca.key, tls.crt, tls.key
#   bash deploy/gen-certs.sh --out ./certs --apply              # ... and create the TLS Secret, patch caBundle
#   bash deploy/gen-certs.sh --out ./certs --ip 127.0.0.1 --dns localhost   # for a local test server
#
# Options: --service NAME (portcullis-webhook) --namespace NS (portcullis-system) --days N (365)
# Re-running keeps an existing CA (so caBundle stays valid) and issues a new serving certificate;
# the webhook reloads the mounted files by itself once the kubelet refreshes the Secret volume.
set -euo pipefail

OUT=""
SERVICE="portcullis-webhook"
NAMESPACE="portcullis-system"
DAYS=365
APPLY=0
EXTRA_SANS=()

while [[ $# -gt 0 ]]; do
	case "$1" in
	--out) OUT="$2"; shift 2 ;;
	--service) SERVICE="$2"; shift 2 ;;
	--namespace) NAMESPACE="$2"; shift 2 ;;
	--days) DAYS="$2"; shift 2 ;;
	--ip) EXTRA_SANS+=("IP:$2"); shift 2 ;;
	--dns) EXTRA_SANS+=("DNS:$2"); shift 2 ;;
	--apply) APPLY=1; shift ;;
	-h | --help) sed -n '2,14p' "$0"; exit 0 ;;
	*) echo "unknown option: $1" >&2; exit 2 ;;
	esac
done
[[ -n "$OUT" ]] || { echo "--out DIR is required" >&2; exit 2; }
command -v openssl >/dev/null || { echo "openssl is required" >&2; exit 1; }
mkdir -p "$OUT"
umask 077

SANS="DNS:${SERVICE},DNS:${SERVICE}.${NAMESPACE},DNS:${SERVICE}.${NAMESPACE}.svc,DNS:${SERVICE}.${NAMESPACE}.svc.cluster.local"
for san in "${EXTRA_SANS[@]+"${EXTRA_SANS[@]}"}"; do SANS="${SANS},${san}"; done

if [[ ! -s "$OUT/ca.key" || ! -s "$OUT/ca.crt" ]]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days $((DAYS * 3)) \
		-subj "/CN=portcullis-webhook-ca" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-keyout "$OUT/ca.key" -out "$OUT/ca.crt" 2>/dev/null
fi

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
	-subj "/CN=${SERVICE}.${NAMESPACE}.svc" -keyout "$OUT/tls.key" -out "$OUT/tls.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$SANS" >"$OUT/tls.ext"
openssl x509 -req -in "$OUT/tls.csr" -CA "$OUT/ca.crt" -CAkey "$OUT/ca.key" -CAcreateserial -sha256 -days "$DAYS" \
	-extfile "$OUT/tls.ext" -out "$OUT/tls.crt" 2>/dev/null
rm -f "$OUT/tls.csr" "$OUT/tls.ext" "$OUT/ca.srl"
chmod 0644 "$OUT/ca.crt" "$OUT/tls.crt"
echo "wrote $OUT/ca.crt $OUT/tls.crt $OUT/tls.key (SANs: $SANS)"

if [[ "$APPLY" == 1 ]]; then
	command -v kubectl >/dev/null || { echo "--apply needs kubectl" >&2; exit 1; }
	kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 || kubectl create namespace "$NAMESPACE"
	kubectl -n "$NAMESPACE" create secret tls portcullis-webhook-tls --cert "$OUT/tls.crt" --key "$OUT/tls.key" \
		--dry-run=client -o yaml | kubectl apply -f -
	CA_BUNDLE="$(base64 <"$OUT/ca.crt" | tr -d '\n')"
	for kind in validatingwebhookconfiguration mutatingwebhookconfiguration; do
		if kubectl get "$kind" portcullis >/dev/null 2>&1; then
			count="$(kubectl get "$kind" portcullis -o jsonpath='{range .webhooks[*]}x{end}')"
			patch="["
			for ((i = 0; i < ${#count}; i++)); do
				[[ $i -gt 0 ]] && patch+=","
				patch+="{\"op\":\"replace\",\"path\":\"/webhooks/$i/clientConfig/caBundle\",\"value\":\"$CA_BUNDLE\"}"
			done
			kubectl patch "$kind" portcullis --type=json -p "${patch}]"
		fi
	done
	echo "stored secret $NAMESPACE/portcullis-webhook-tls and patched caBundle"
fi
