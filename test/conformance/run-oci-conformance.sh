#!/usr/bin/env bash
# Run the OCI distribution-spec conformance suite against a running registry.
#
#   test/conformance/run-oci-conformance.sh [--suite v1.1.1|main] REGISTRY_URL [-- EXTRA_ARGS...]
#
#   REGISTRY_URL  e.g. http://127.0.0.1:5000 (scheme required; https is
#                 accepted, TLS verification is skipped by both suites)
#   --suite v1.1.1  (default; alias: legacy) the ginkgo suite built by
#                 .ci/install-tools.sh with every workflow on: pull, push,
#                 content discovery, content management.
#   --suite main  the redesigned suite from distribution-spec main, with every
#                 API test on (incl. upload cancel and referrers) and every
#                 data type on (incl. sha512).
#   EXTRA_ARGS    passed to the suite binary (e.g. -- -ginkgo.focus=Push).
#
# Environment (all optional):
#   OCI_USERNAME / OCI_PASSWORD   credentials, passed through
#   OCI_NAMESPACE                 default myorg/myrepo (main suite: OCI_REPO1)
#   OCI_CROSSMOUNT_NAMESPACE      default myorg/other  (main suite: OCI_REPO2)
#   OCI_AUTOMATIC_CROSSMOUNT      unset by default (see below); true|false to
#                                 assert that `POST ?mount=` without `from`
#                                 does (201) or does not (202) auto-mount
#   OCI_REPORT_DIR                where junit.xml/report.html(/results.yaml) go;
#                                 default: a new temp dir (printed at the end)
#   OCI_CONFORMANCE_BIN           use this suite binary instead of .tools/bin/…
#   OCI_CONFORMANCE_LABEL         label for that binary in the summary line
#   Any other OCI_* variable the chosen suite understands is inherited as is
#   (e.g. OCI_DEBUG=1, OCI_DELETE_MANIFEST_BEFORE_BLOBS=0, OCI_LOG=debug,
#   OCI_VERSION=dev, OCI_FILTER_TEST=…). Workflow/API/data toggles default to
#   on but can be turned off explicitly, e.g. OCI_API_BLOBS_UPLOAD_CANCEL=false.
#
# Prints `oci-conformance <version>: N passed, M failed, K skipped` (counted
# from junit.xml) and exits non-zero if anything failed, the suite exited
# non-zero, no junit.xml was written, or nothing passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN_DIR="$ROOT/.tools/bin"
STAMP_DIR="$ROOT/.tools/stamps"

usage() { sed -n '2,35p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }
say() { printf '[oci-conformance] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 2; }

SUITE="v1.1.1"
URL=""
EXTRA=()
while (($#)); do
	case "$1" in
	--suite) SUITE="${2:-}"; shift 2 || usage ;;
	--suite=*) SUITE="${1#*=}"; shift ;;
	-h | --help) usage 0 ;;
	--) shift; EXTRA=("$@"); break ;;
	-*) die "unknown option $1" ;;
	*) [[ -z "$URL" ]] || die "unexpected argument $1"; URL="$1"; shift ;;
	esac
done
[[ -n "$URL" ]] || usage
URL="${URL%/}"
[[ "$URL" =~ ^(https?)://([^/]+)(/.*)?$ ]] || die "REGISTRY_URL must look like http://host:port, got '$URL'"
SCHEME="${BASH_REMATCH[1]}"
HOSTPORT="${BASH_REMATCH[2]}"
URLPATH="${BASH_REMATCH[3]:-}"

case "$SUITE" in
v1.1.1 | legacy | ginkgo) SUITE=legacy ;;
main) ;;
*) die "--suite must be v1.1.1 (legacy) or main, got '$SUITE'" ;;
esac

# ---------------------------------------------------------------------------
# Pick the binary
# ---------------------------------------------------------------------------
LABEL=""
if [[ -n "${OCI_CONFORMANCE_BIN:-}" ]]; then
	BIN="$OCI_CONFORMANCE_BIN"
	LABEL="${OCI_CONFORMANCE_LABEL:-$(basename "$BIN" .test)}"
	LABEL="${LABEL#oci-conformance-}"
elif [[ "$SUITE" == legacy ]]; then
	if [[ -x "$BIN_DIR/oci-conformance-v1.1.1.test" ]]; then
		BIN="$BIN_DIR/oci-conformance-v1.1.1.test"
		LABEL="v1.1.1"
	else
		BIN="$BIN_DIR/oci-conformance-legacy.test"
		LABEL="$(sed -n 2p "$STAMP_DIR/oci-conformance-legacy.test" 2>/dev/null || true)"
		LABEL="${LABEL:-unknown}"
	fi
else
	BIN="$BIN_DIR/oci-conformance-main"
	LABEL="main"
fi
[[ -x "$BIN" ]] || die "suite binary $BIN not found; run: bash .ci/install-tools.sh"
if [[ "$SUITE" == legacy && "$LABEL" != "v1.1.1" ]]; then
	say "NOTE: the v1.1.1 suite is not installed; running the ginkgo suite '$LABEL' instead"
fi
if [[ "$SUITE" == main && -z "${OCI_CONFORMANCE_BIN:-}" ]]; then
	say "suite main: $(sed -n 2p "$STAMP_DIR/oci-conformance-main" 2>/dev/null || echo unknown version)"
fi

# ---------------------------------------------------------------------------
# Reachability, report dir
# ---------------------------------------------------------------------------
if command -v curl >/dev/null 2>&1; then
	code="$(curl -sk -o /dev/null -m 10 -w '%{http_code}' "$URL/v2/" || true)"
	[[ "$code" != 000 ]] || die "registry at $URL is not reachable ($URL/v2/)"
fi

if [[ -n "${OCI_REPORT_DIR:-}" && "${OCI_REPORT_DIR}" != none ]]; then
	REPORT_DIR="$OCI_REPORT_DIR"
	mkdir -p "$REPORT_DIR"
	rm -f "$REPORT_DIR/junit.xml" "$REPORT_DIR/report.html" "$REPORT_DIR/results.yaml"
else
	REPORT_DIR="$(mktemp -d "${TMPDIR:-/tmp}/oci-conformance.XXXXXX")"
fi
REPORT_DIR="$(cd "$REPORT_DIR" && pwd)"

NAMESPACE="${OCI_NAMESPACE:-myorg/myrepo}"
CROSSMOUNT="${OCI_CROSSMOUNT_NAMESPACE:-myorg/other}"

# ---------------------------------------------------------------------------
# Run
# ---------------------------------------------------------------------------
RUN_ENV=()
if [[ "$SUITE" == legacy ]]; then
	RUN_ENV+=(
		"OCI_ROOT_URL=$URL"
		"OCI_NAMESPACE=$NAMESPACE"
		"OCI_CROSSMOUNT_NAMESPACE=$CROSSMOUNT"
		"OCI_TEST_PULL=${OCI_TEST_PULL:-1}"
		"OCI_TEST_PUSH=${OCI_TEST_PUSH:-1}"
		"OCI_TEST_CONTENT_DISCOVERY=${OCI_TEST_CONTENT_DISCOVERY:-1}"
		"OCI_TEST_CONTENT_MANAGEMENT=${OCI_TEST_CONTENT_MANAGEMENT:-1}"
		"OCI_HIDE_SKIPPED_WORKFLOWS=${OCI_HIDE_SKIPPED_WORKFLOWS:-0}"
		"OCI_REPORT_DIR=$REPORT_DIR"
	)
	# ginkgo flags: plain output for CI logs, list every spec
	ARGS=(-ginkgo.no-color -ginkgo.v "${EXTRA[@]}")
else
	[[ -z "$URLPATH" ]] || die "the main suite cannot test a registry under a path prefix ($URLPATH)"
	if [[ "$SCHEME" == http ]]; then TLS=disabled; else TLS="${OCI_TLS:-insecure}"; fi
	RUN_ENV+=(
		"OCI_REGISTRY=$HOSTPORT"
		"OCI_TLS=$TLS"
		"OCI_REPO1=${OCI_REPO1:-$NAMESPACE}"
		"OCI_REPO2=${OCI_REPO2:-$CROSSMOUNT}"
		"OCI_RESULTS_DIR=$REPORT_DIR"
		"OCI_VERSION=${OCI_VERSION:-1.1}"
		"OCI_CONFIGURATION=${OCI_CONFIGURATION:-/dev/null}"
	)
	# every API on, including upload cancel and referrers (digest-header and
	# tag-param are spec-main ("dev") extras: opt in with OCI_VERSION=dev or
	# the variables themselves)
	for v in PING PULL PUSH BLOBS_ATOMIC BLOBS_DELETE BLOBS_MOUNT_ANONYMOUS BLOBS_UPLOAD_CANCEL \
		MANIFESTS_ATOMIC MANIFESTS_DELETE TAGS_ATOMIC TAGS_DELETE TAGS_LIST REFERRER; do
		var="OCI_API_$v"
		RUN_ENV+=("$var=${!var:-true}")
	done
	# every data type on, including sha512 (sparse stays off by default: a
	# registry may legitimately refuse manifests whose blobs are missing)
	for v in IMAGE INDEX INDEX_LIST ARTIFACT SUBJECT SUBJECT_MISSING ARTIFACT_LIST SUBJECT_LIST \
		DATA_FIELD NONDISTRIBUTABLE CUSTOM_FIELDS NO_LAYERS EMPTY_BLOB SHA512; do
		var="OCI_DATA_$v"
		RUN_ENV+=("$var=${!var:-true}")
	done
	ARGS=("${EXTRA[@]}")
fi

# The legacy variables would otherwise leak into the main suite (it maps them,
# with warnings) and the main suite's into nothing; unset what does not apply.
UNSET=()
if [[ "$SUITE" == main ]]; then
	UNSET=(-u OCI_ROOT_URL -u OCI_NAMESPACE -u OCI_CROSSMOUNT_NAMESPACE -u OCI_TEST_PULL -u OCI_TEST_PUSH
		-u OCI_TEST_CONTENT_DISCOVERY -u OCI_TEST_CONTENT_MANAGEMENT -u OCI_REPORT_DIR)
fi

say "suite $LABEL against $URL (namespace $NAMESPACE, cross-mount $CROSSMOUNT), reports in $REPORT_DIR"
set +e
# Run inside the report dir: the main suite reads ./oci-conformance.yaml if present.
(cd "$REPORT_DIR" && exec env "${UNSET[@]}" "${RUN_ENV[@]}" "$BIN" "${ARGS[@]}") 2>&1 | tee "$REPORT_DIR/output.log"
RC=${PIPESTATUS[0]}
set -e

# ---------------------------------------------------------------------------
# Summarise from junit.xml
# ---------------------------------------------------------------------------
JUNIT="$REPORT_DIR/junit.xml"
if [[ ! -s "$JUNIT" ]]; then
	say "no junit.xml was written (suite exit code $RC); see $REPORT_DIR/output.log"
	echo "oci-conformance $LABEL: 0 passed, 1 failed, 0 skipped"
	exit 1
fi

# One line per <testcase>: status<TAB>name. Ginkgo's junit uses status=
# passed|skipped|pending|failed|panicked|interrupted|timedout|aborted; the main
# suite's uses passed|skipped|failure|error. Ginkgo also lists its own
# [ReportAfterSuite]/[BeforeSuite] nodes as test cases: those are not tests.
CASES="$(tr '\n\r' '  ' <"$JUNIT" | grep -o '<testcase [^>]*>' | awk '
	{
		name = ""; status = "";
		if (match($0, / name="[^"]*"/)) name = substr($0, RSTART + 7, RLENGTH - 8);
		if (match($0, / status="[^"]*"/)) status = substr($0, RSTART + 9, RLENGTH - 10);
		print status "\t" name;
	}')"
PASSED=0 FAILED=0 SKIPPED=0
FAILED_NAMES=()
while IFS=$'\t' read -r status name; do
	[[ -n "$status$name" ]] || continue
	# (with OmitLeafNodeType, as in v1.1.1, the reporter nodes lose their
	# "[ReportAfterSuite]" prefix and appear under their plain names)
	case "$name" in "[ReportAfterSuite]"* | "[ReportBeforeSuite]"* | "[BeforeSuite]"* | "[AfterSuite]"* | \
		"[SynchronizedBeforeSuite]"* | "[SynchronizedAfterSuite]"* | "html custom reporter" | "junit custom reporter")
		[[ "$status" == passed ]] && continue ;;
	esac
	case "$status" in
	passed) PASSED=$((PASSED + 1)) ;;
	skipped | pending | disabled) SKIPPED=$((SKIPPED + 1)) ;;
	*) FAILED=$((FAILED + 1)); FAILED_NAMES+=("$name") ;;
	esac
done <<<"$CASES"

if ((${#FAILED_NAMES[@]})); then
	say "failed tests:"
	for n in "${FAILED_NAMES[@]}"; do
		printf '  - %s\n' "$(printf '%s' "$n" | sed 's/&quot;/"/g; s/&#39;/'"'"'/g; s/&lt;/</g; s/&gt;/>/g; s/&amp;/\&/g')" >&2
	done
fi
if [[ "$SUITE" == main ]]; then
	# The main suite's own totals (junit <testsuites> attributes, also printed
	# as "OCI Conformance Result") count every pass/fail event, several per
	# leaf test; the summary line below counts leaf test cases.
	attrs="$(grep -o -m1 '<testsuites [^>]*>' "$JUNIT" || true)"
	attr() { printf '%s' "$attrs" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]\+' || echo 0; }
	say "suite counters: tests=$(attr tests) failures=$(attr failures) errors=$(attr errors) skipped=$(attr skipped) disabled=$(attr disabled)"
	[[ -s "$REPORT_DIR/results.yaml" ]] && say "per-API / per-data status: $REPORT_DIR/results.yaml"
fi
say "reports: $REPORT_DIR (junit.xml, report.html, output.log)"
echo "oci-conformance $LABEL: $PASSED passed, $FAILED failed, $SKIPPED skipped"

if ((FAILED > 0)); then exit 1; fi
if ((RC != 0)); then say "suite exited with code $RC"; exit 1; fi
if ((PASSED == 0)); then say "no test passed"; exit 1; fi
exit 0
