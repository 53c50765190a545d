#!/usr/bin/env bash
# Install the external tools that Portcullis' CI and conformance tests use.
#
#   bash .ci/install-tools.sh            # everything
#   SKIP_APT=1 bash .ci/install-tools.sh # only the Go-built tools
#   SKIP_GO=1  bash .ci/install-tools.sh # only the Debian packages
#
# Idempotent and fast on rerun: a Debian package is installed only when it is
# missing (and `apt-get update` runs only then); a Go tool is rebuilt only when
# .tools/bin/<name> is missing or .tools/stamps/<name> does not hold the pinned
# version. Everything Go-built lands in the project-local .tools/bin (ignored by
# git). Only the Go module proxy and Debian's archive are contacted.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="$ROOT/.tools"
BIN_DIR="$TOOLS_DIR/bin"
STAMP_DIR="$TOOLS_DIR/stamps"

# ---------------------------------------------------------------------------
# Pins. Override any of them from the environment if needed.
# ---------------------------------------------------------------------------
NOTATION_VERSION="${NOTATION_VERSION:-v1.3.2}"
ORAS_VERSION="${ORAS_VERSION:-v1.3.0}"
DISTRIBUTION_VERSION="${DISTRIBUTION_VERSION:-v3.0.0}"

# The conformance suite lives in a nested Go module
# (github.com/opencontainers/distribution-spec/conformance) that has never been
# tagged on its own: the repository's v1.1.1 tag only versions the root module,
# whose zip excludes conformance/. So it is only reachable by pseudo-version.
CONFORMANCE_MODULE="github.com/opencontainers/distribution-spec/conformance"
# Ginkgo-based ("legacy") suite, built with `go test -c`. Tried in order; the
# first one the module proxy serves wins:
#   1. the commit tagged v1.1.1 (a139cc42, 2025-01-23)
#   2. f2182352 (2023-11-01, `git describe`: v1.1.0-rc.3-21), the last
#      ginkgo-era snapshot the proxy available to this project serves.
# Each entry is  pseudo-version|label .
CONFORMANCE_LEGACY_CANDIDATES="${CONFORMANCE_LEGACY_CANDIDATES:-v0.0.0-20250123160558-a139cc423184|v1.1.1 v0.0.0-20231101194043-f2182352d4cc|v1.1.0-rc.3+21-f2182352}"
# Redesigned suite from main (plain Go program, results.yaml + junit.xml).
# `@main` cannot be resolved through the proxy here, so pin a pseudo-version.
CONFORMANCE_MAIN_VERSION="${CONFORMANCE_MAIN_VERSION:-v0.0.0-20260831232431-97274622c111}"

APT_PACKAGES=(skopeo redis-server docker-registry apache2-utils jq curl openssl)

# Bump when the build recipe (flags, layout) changes, to force a rebuild.
RECIPE=1

# ---------------------------------------------------------------------------
log() { printf '[install-tools] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

T_START="$(now)"
SUDO=""
if [[ $EUID -ne 0 ]]; then
	command -v sudo >/dev/null 2>&1 && SUDO="sudo"
fi

WORK=""
POLICY_RC_CREATED=""
cleanup() {
	if [[ -n "$WORK" && -d "$WORK" ]]; then
		chmod -R u+w "$WORK" 2>/dev/null || true
		rm -rf "$WORK"
	fi
	if [[ -n "$POLICY_RC_CREATED" ]]; then
		$SUDO rm -f /usr/sbin/policy-rc.d || true
	fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
# Debian packages
# ---------------------------------------------------------------------------
apt_installed() {
	[[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]
}

install_apt() {
	local t0 missing=() available=() p cand
	t0="$(now)"
	for p in "${APT_PACKAGES[@]}"; do
		apt_installed "$p" || missing+=("$p")
	done
	if ((${#missing[@]} == 0)); then
		log "apt: all present (${APT_PACKAGES[*]}) [$(elapsed "$t0")]"
		return 0
	fi
	log "apt: missing ${missing[*]}; running apt-get update"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
	for p in "${missing[@]}"; do
		cand="$(apt-cache policy "$p" 2>/dev/null | awk '/Candidate:/ { print $2 }')"
		if [[ -z "$cand" || "$cand" == "(none)" ]]; then
			log "apt: WARNING: package '$p' is not available from the configured archive; skipping it"
		else
			available+=("$p")
		fi
	done
	((${#available[@]} > 0)) || return 0
	# redis-server and docker-registry ship services that would otherwise be
	# started by their postinst (redis on :6379, docker-registry on :5000, the
	# port the conformance tests use). Tests start their own instances, so
	# forbid service starts for the duration of the install.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
		$SUDO chmod 755 /usr/sbin/policy-rc.d
		POLICY_RC_CREATED=1
	fi
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${available[@]}" >/dev/null
	if [[ -n "$POLICY_RC_CREATED" ]]; then
		$SUDO rm -f /usr/sbin/policy-rc.d
		POLICY_RC_CREATED=""
	fi
	log "apt: installed ${available[*]} [$(elapsed "$t0")]"
}

# ---------------------------------------------------------------------------
# Go tools
# ---------------------------------------------------------------------------
setup_go() {
	if ! command -v go >/dev/null 2>&1; then
		[[ -x /usr/local/go/bin/go ]] || die "go not found (expected /usr/local/go/bin/go)"
		export PATH="/usr/local/go/bin:$PATH"
	fi
	mkdir -p "$BIN_DIR" "$STAMP_DIR"
	WORK="$(mktemp -d "${TMPDIR:-/tmp}/portcullis-tools.XXXXXX")"
	export GOBIN="$BIN_DIR"
	export GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
	export CGO_ENABLED="${CGO_ENABLED:-0}"
}

# is_current NAME KEY: the binary exists and its stamp holds KEY.
is_current() {
	[[ -x "$BIN_DIR/$1" && -f "$STAMP_DIR/$1" && "$(head -n1 "$STAMP_DIR/$1")" == "$2" ]]
}
# write_stamp NAME KEY [LABEL]
write_stamp() {
	printf '%s\n%s\n' "$2" "${3:-}" >"$STAMP_DIR/$1"
}
stamp_label() { sed -n 2p "$STAMP_DIR/$1" 2>/dev/null || true; }

# module_src MODULE VERSION -> prints a writable copy of the module's source.
# (Building a module as the main module, rather than `go install mod@ver`,
# avoids go's deprecation lookup, which needs the module's full version list:
# the proxy here refuses that list for some modules, e.g. notation.)
module_src() {
	local mod="$1" ver="$2" json dir dest
	if ! json="$(go mod download -json "$mod@$ver")"; then
		printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' >&2
		return 1
	fi
	dir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
	[[ -n "$dir" && -d "$dir" ]] || return 1
	dest="$WORK/src-$(basename "$mod")-$ver"
	rm -rf "$dest"
	cp -R "$dir" "$dest"
	chmod -R u+w "$dest"
	printf '%s\n' "$dest"
}

install_notation() {
	local name=notation key="notation $NOTATION_VERSION r$RECIPE" t0 src
	if is_current "$name" "$key"; then log "notation $NOTATION_VERSION: up to date"; return 0; fi
	t0="$(now)"
	src="$(module_src github.com/notaryproject/notation "$NOTATION_VERSION")" || die "cannot download notation $NOTATION_VERSION"
	(cd "$src" && GOFLAGS=-mod=mod go build -trimpath \
		-ldflags "-s -w -X github.com/notaryproject/notation/internal/version.BuildMetadata=" \
		-o "$BIN_DIR/$name.new" ./cmd/notation)
	mv -f "$BIN_DIR/$name.new" "$BIN_DIR/$name"
	write_stamp "$name" "$key" "$NOTATION_VERSION"
	log "notation $NOTATION_VERSION: built [$(elapsed "$t0")]"
}

install_oras() {
	local name=oras key="oras $ORAS_VERSION r$RECIPE" t0
	if is_current "$name" "$key"; then log "oras $ORAS_VERSION: up to date"; return 0; fi
	t0="$(now)"
	go install -trimpath -ldflags "-s -w -X oras.land/oras/internal/version.BuildMetadata=" \
		"oras.land/oras/cmd/oras@$ORAS_VERSION"
	write_stamp "$name" "$key" "$ORAS_VERSION"
	log "oras $ORAS_VERSION: built [$(elapsed "$t0")]"
}

install_registry() {
	local name=registry key="registry $DISTRIBUTION_VERSION r$RECIPE" t0
	if is_current "$name" "$key"; then log "registry (distribution) $DISTRIBUTION_VERSION: up to date"; return 0; fi
	t0="$(now)"
	go install -trimpath \
		-ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=$DISTRIBUTION_VERSION" \
		"github.com/distribution/distribution/v3/cmd/registry@$DISTRIBUTION_VERSION"
	write_stamp "$name" "$key" "$DISTRIBUTION_VERSION"
	log "registry (distribution) $DISTRIBUTION_VERSION: built [$(elapsed "$t0")]"
}

# Ginkgo suite: .tools/bin/oci-conformance-<label>.test, plus a stable name
# .tools/bin/oci-conformance-legacy.test (symlink) whose stamp holds the label.
install_conformance_legacy() {
	local name=oci-conformance-legacy.test key="legacy [$CONFORMANCE_LEGACY_CANDIDATES] r$RECIPE" t0 cand ver label src="" out
	if is_current "$name" "$key"; then log "oci-conformance $(stamp_label "$name"): up to date"; return 0; fi
	t0="$(now)"
	for cand in $CONFORMANCE_LEGACY_CANDIDATES; do
		ver="${cand%%|*}"
		label="${cand#*|}"
		if src="$(module_src "$CONFORMANCE_MODULE" "$ver" 2>"$WORK/dl.err")"; then
			break
		fi
		log "oci-conformance $label ($ver): not available from the module proxy ($(grep -m1 -o '[0-9][0-9][0-9] [A-Z][A-Za-z ]*' "$WORK/dl.err" || head -c 200 "$WORK/dl.err")); trying next"
		src=""
	done
	[[ -n "$src" ]] || die "no ginkgo conformance suite version could be downloaded"
	out="oci-conformance-$label.test"
	(cd "$src" && GOFLAGS=-mod=mod go test -c -trimpath -ldflags "-s -w" -o "$BIN_DIR/$out.new" .)
	mv -f "$BIN_DIR/$out.new" "$BIN_DIR/$out"
	ln -sfn "$out" "$BIN_DIR/$name"
	write_stamp "$name" "$key" "$label"
	printf '%s\n%s\n' "$ver" "$label" >"$STAMP_DIR/$out"
	log "oci-conformance $label ($ver): built .tools/bin/$out [$(elapsed "$t0")]"
}

install_conformance_main() {
	local name=oci-conformance-main key="main $CONFORMANCE_MAIN_VERSION r$RECIPE" t0 src
	if is_current "$name" "$key"; then log "oci-conformance main ($CONFORMANCE_MAIN_VERSION): up to date"; return 0; fi
	t0="$(now)"
	if ! src="$(module_src "$CONFORMANCE_MODULE" "$CONFORMANCE_MAIN_VERSION" 2>"$WORK/dl.err")"; then
		log "oci-conformance main ($CONFORMANCE_MAIN_VERSION): not available, skipping: $(head -c 300 "$WORK/dl.err")"
		return 0
	fi
	if ! (cd "$src" && GOFLAGS=-mod=mod go build -trimpath \
		-ldflags "-s -w -X main.Version=$CONFORMANCE_MAIN_VERSION" -o "$BIN_DIR/$name.new" .); then
		log "oci-conformance main ($CONFORMANCE_MAIN_VERSION): build failed, skipping"
		rm -f "$BIN_DIR/$name.new"
		return 0
	fi
	mv -f "$BIN_DIR/$name.new" "$BIN_DIR/$name"
	write_stamp "$name" "$key" "$CONFORMANCE_MAIN_VERSION"
	log "oci-conformance main ($CONFORMANCE_MAIN_VERSION): built [$(elapsed "$t0")]"
}

# ---------------------------------------------------------------------------
apt_ver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo missing; }
tool_label() { [[ -x "$BIN_DIR/$1" ]] && stamp_label "$1" || echo missing; }

summary() {
	local s
	s="tools:"
	s+=" notation $(tool_label notation),"
	s+=" oras $(tool_label oras),"
	s+=" registry $(tool_label registry),"
	s+=" oci-conformance $(tool_label oci-conformance-legacy.test),"
	s+=" oci-conformance-main $(tool_label oci-conformance-main),"
	s+=" skopeo $(apt_ver skopeo),"
	s+=" redis-server $(apt_ver redis-server),"
	s+=" docker-registry $(apt_ver docker-registry),"
	s+=" apache2-utils $(apt_ver apache2-utils),"
	s+=" jq $(apt_ver jq),"
	s+=" curl $(apt_ver curl),"
	s+=" go $(go env GOVERSION 2>/dev/null || echo missing)"
	s+=" [$(elapsed "$T_START")]"
	printf '%s\n' "$s"
}

if [[ "${SKIP_APT:-0}" != 1 ]]; then install_apt; fi
if [[ "${SKIP_GO:-0}" != 1 ]]; then
	setup_go
	install_notation
	install_oras
	install_registry
	install_conformance_legacy
	if [[ "${SKIP_CONFORMANCE_MAIN:-0}" != 1 ]]; then install_conformance_main; fi
else
	command -v go >/dev/null 2>&1 || export PATH="/usr/local/go/bin:$PATH"
fi
summary
