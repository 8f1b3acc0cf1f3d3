#!/bin/sh
# Builds tools/kcp-vectors against Debian's kcp-go sources (golang-github-xtaci-kcp-dev) and prints the
# TypeScript vectors on stdout:  tools/kcp-vectors/build.sh > test/kcp/go-vectors.data.ts
#
# kcp-go's KCP reads the wall clock (currentMs in kcp.go). The recorder needs the scripted clock, so this
# copies kcp.go and snmp.go into a throwaway GOPATH, replaces currentMs with a read of the shim's clock,
# adds shim/shim.go, and builds with GO111MODULE=off: no module download, nothing vendored, nothing of
# kcp-go kept in the repository.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
kcpgo=${KCP_GO_SRC:-/usr/share/gocode/src/github.com/xtaci/kcp-go}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

pkg="$work/src/kcpvectors/kcp"
mkdir -p "$pkg" "$work/src/kcpvectors/cmd"
cp "$kcpgo/kcp.go" "$kcpgo/snmp.go" "$here/shim/shim.go" "$pkg/"
# The one line of kcp.go that changes: the clock.
sed -i 's|^func currentMs() uint32 {.*}$|func currentMs() uint32 { return clockMs }|' "$pkg/kcp.go"
grep -q '^func currentMs() uint32 { return clockMs }$' "$pkg/kcp.go" || {
  echo "build.sh: currentMs() not found in $kcpgo/kcp.go (another kcp-go version?)" >&2
  exit 1
}
# kcp.go declares refTime for the real clock; with the clock replaced it is unused but harmless.
cp "$here/main.go" "$work/src/kcpvectors/cmd/"
cd "$work/src/kcpvectors/cmd"
GOPATH="$work" GO111MODULE=off GOFLAGS= go build -o "$work/kcp-vectors" .
"$work/kcp-vectors"
