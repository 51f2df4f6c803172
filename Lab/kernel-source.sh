#!/usr/bin/env bash
# Usage: Lab/kernel-source.sh PACKAGE SUITE
#
# Brings Debian's PACKAGE (a linux-source-X.Y) from SUITE (bullseye, bookworm,
# bookworm-backports) into the lab cache and prints the path of its kernel
# tarball, then the package version, as the last two lines of stdout.
#
# Why not `apt-get install`: the lab needs kernels from suites this machine
# does not follow (5.10 from bullseye, 6.12 from bookworm-backports). A
# private apt configuration names the same mirror and keyring as the system's
# own Debian source, with its own lists and cache under the lab cache, so the
# machine's apt state is never touched:
#   -o Dir::Etc::sourcelist=FILE -o Dir::Etc::sourceparts=-
#   -o Dir::State::Lists=DIR -o Dir::Cache=DIR
# A package once fetched stays in the cache: a warm run uses it without the
# network (the cache key of build-kernel.sh includes its version).
set -euo pipefail

lab_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$lab_dir/lib.sh"

package=${1:?usage: kernel-source.sh PACKAGE SUITE}
suite=${2:?usage: kernel-source.sh PACKAGE SUITE}
[[ $package =~ ^linux-source-[0-9]+\.[0-9]+$ ]] || lab_die "not a kernel source package: '$package'"

root=$(lab_cache_root)/sources/$suite
mkdir -p "$root"

# The cached tarball, if any: sources/SUITE/PACKAGE_VERSION/linux-source-X.Y.tar.xz.
cached() {
  local dir
  for dir in "$root/${package}_"*; do
    [[ -s $dir/$package.tar.xz ]] || continue
    printf '%s\n%s\n' "$dir/$package.tar.xz" "${dir##*/"${package}"_}"
    return 0
  done
  return 1
}
if cached; then exit 0; fi

# The system's Debian source: its URI and keyring, from deb822 (.sources) or one-line lists.
mirror=
keyring=
for file in /etc/apt/sources.list.d/*.sources; do
  [[ -r $file ]] || continue
  uri=$(awk '/^URIs:/ {print $2; exit}' "$file")
  [[ $uri == */debian ]] || continue
  mirror=$uri
  keyring=$(awk '/^Signed-By:/ {print $2; exit}' "$file")
  break
done
if [[ -z $mirror ]]; then
  mirror=$(grep -hsE '^deb (\[[^]]*\] )?[a-z]+://[^ ]+/debian ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
    sed -E 's/^deb (\[[^]]*\] )?([^ ]+) .*/\2/' | head -n 1 || true)
fi
[[ -n $mirror ]] || lab_die "no Debian apt source on this machine to fetch $package from (looked in /etc/apt/sources.list{,.d})"
[[ -n $keyring && -r $keyring ]] || keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[[ -r $keyring ]] || lab_die "no Debian archive keyring ($keyring); install debian-archive-keyring"

apt_dir=$root/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$suite" >"$apt_dir/sources.list"
apt_opts=(
  -o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
  -o APT::Sandbox::User=root
)
lab_log "fetching $package from Debian $suite ($mirror)"
apt-get "${apt_opts[@]}" -qq update >&2 || lab_die "apt-get update of the private $suite list failed"
work=$(mktemp -d "$root/.fetch.XXXXXXXX")
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get "${apt_opts[@]}" -qq download "$package" >&2) ||
  lab_die "$package is not in Debian $suite"
deb=$(ls "$work"/*.deb)
version=$(dpkg-deb -f "$deb" Version)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" "./usr/src/$package.tar.xz"
dest=$root/${package}_$version
mkdir -p "$work/out"
mv "$work/usr/src/$package.tar.xz" "$work/out/"
mv -T "$work/out" "$dest" 2>/dev/null || lab_log "another fetch published $dest first; using it"
lab_log "cached $package $version ($(du -m "$dest/$package.tar.xz" | cut -f1) MiB)"
printf '%s\n%s\n' "$dest/$package.tar.xz" "$version"
