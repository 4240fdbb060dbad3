#!/usr/bin/env bash
# Builds opadiag's release binaries, with a SHA-256 sums file beside them.
#
#   scripts/release.sh [-o DIR] [VERSION]
#
# VERSION is a semantic version, v1.2.3 or v1.2.3-rc.1 (default: `git describe --tags --dirty`
# of a v* tag, else v0.0.0-<commit>); DIR defaults to dist/ (git-ignored), whose earlier binaries
# are replaced. RELEASE_TARGETS (default "linux/amd64 linux/arm64 windows/amd64 windows/arm64")
# chooses the targets.
#
# What it does: copies the files git tracks (as they are in the working tree) to a temporary
# folder, regenerates the Windows resources there with VERSION as the file and product version
# (the committed .syso files say "devel" and stay untouched), builds each target with -trimpath,
# CGO off, no VCS stamping and -ldflags "-s -w -X main.version=VERSION -X main.commit=COMMIT",
# and writes SHA256SUMS (check it with `sha256sum -c SHA256SUMS`). The same sources, VERSION and
# Go version give the same bytes. Needs Go, git and sha256sum; go-winres (pinned) is fetched
# through the Go module proxy the first time.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
die() { printf 'release.sh: error: %s\n' "$*" >&2; exit 1; }

out=dist
while getopts "o:" opt; do
  case $opt in
    o) out=$OPTARG; [[ $out == /* ]] || out=$here/$out ;;
    *) die "usage: scripts/release.sh [-o DIR] [VERSION]" ;;
  esac
done
shift $((OPTIND - 1))
[ $# -le 1 ] || die "usage: scripts/release.sh [-o DIR] [VERSION]"

commit=$(git rev-parse HEAD)
dirty=
[ -z "$(git status --porcelain --untracked-files=no)" ] || dirty=-dirty
version=${1:-$(git describe --tags --match 'v[0-9]*' --dirty 2>/dev/null || echo "v0.0.0-${commit:0:12}$dirty")}
# Windows keeps four numbers (1.2.3.0) beside the text; a version must start with three.
[[ $version =~ ^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$ ]] ||
  die "version '$version' is not a semantic version such as v1.2.3 or v1.2.3-rc.1"
targets=${RELEASE_TARGETS:-linux/amd64 linux/arm64 windows/amd64 windows/arm64}
for t in $targets; do
  case $t in
    linux/amd64 | linux/arm64 | windows/amd64 | windows/arm64) ;;
    *) die "unknown target '$t': linux/amd64, linux/arm64, windows/amd64, windows/arm64" ;;
  esac
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
src=$work/src
stage=$work/out
mkdir -p "$src" "$stage"
git ls-files -z | (while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
  tar --null -T - -cf - | tar -xf - -C "$src"

if [[ $targets == *windows/* ]]; then
  (cd "$src" && go run github.com/tc-hib/go-winres@v0.3.3 make --in winres/winres.json \
    --arch amd64,arm64 --out rsrc --file-version "$version" --product-version "$version")
fi

names=()
for t in $targets; do
  goos=${t%/*} goarch=${t#*/}
  name=opadiag-$goos-$goarch
  [ "$goos" = windows ] && name=$name.exe
  GOOS=$goos GOARCH=$goarch CGO_ENABLED=0 go build -C "$src" -trimpath -buildvcs=false \
    -ldflags "-s -w -buildid= -X main.version=$version -X main.commit=$commit" -o "$stage/$name" .
  names+=("$name")
done
(cd "$stage" && sha256sum "${names[@]}" >SHA256SUMS)

mkdir -p "$out"
rm -f "$out"/opadiag-linux-* "$out"/opadiag-windows-* "$out/SHA256SUMS"
mv "$stage"/* "$out"/
printf 'opadiag %s (commit %s), %s\n' "$version" "$commit" "$(go version)"
(cd "$out" && for n in "${names[@]}"; do printf '  %-28s %6.1f MiB\n' "$n" "$(stat -c %s "$n" | awk '{print $1 / 1048576}')"; done)
printf 'in %s, with SHA256SUMS\n' "$out"
