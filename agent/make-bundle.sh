#!/bin/sh
# make-bundle.sh AGENT_BINARY SUPERVISOR_SCRIPT OUT_DIR [VERSION]
#
# Makes the agent self-contained, so it runs on hosts whose libc is older, different or absent:
#   libexec/fleet-agent   the binary (debug info stripped)
#   lib/                  every shared library ldd lists, and the dynamic loader itself
#   bin/fleet-agent       wrapper running the binary through the bundled loader and libraries
#   bin/fleet-supervise   the process supervisor used where systemd does not run
#   VERSION               the agent version (with VERSION given), also stamped into the binary
#   MANIFEST              "sha256 mode path" per file, sorted by path
# The loader is bundled because a glibc's libraries only work with that glibc's own ld.so. The
# new bundle is assembled next to OUT_DIR and swapped in whole.
# VERSION is written into the binary's fleet_agent_version section (agent/version.h), so the agent
# reports the version of the release it was bundled for; the stamped binary must say so itself.
set -eu

binary=$1 supervisor=$2 out=$3 version=${4:-}
staging="$out.tmp"
rm -rf "$staging"
mkdir -p "$staging/bin" "$staging/lib" "$staging/libexec"

strip --strip-debug -o "$staging/libexec/fleet-agent" "$binary"
if [ -n "$version" ]; then
  if ! printf '%s\n' "$version" | grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?'; then
    echo "make-bundle: VERSION $version is not a semantic version" >&2
    exit 1
  fi
  stamp="$staging.stamp"
  printf '%s' "$version" > "$stamp"
  truncate -s 64 "$stamp"  # agent::kVersionStampSize, NUL-padded
  objcopy --update-section fleet_agent_version="$stamp" "$staging/libexec/fleet-agent"
  rm -f "$stamp"
  reported=$("$staging/libexec/fleet-agent" --version)
  if [ "$reported" != "fleet-agent $version" ]; then
    echo "make-bundle: stamped binary reports \"$reported\", want \"fleet-agent $version\"" >&2
    exit 1
  fi
  printf '%s\n' "$version" > "$staging/VERSION"
fi
cp "$supervisor" "$staging/bin/fleet-supervise"

# ldd lines: "libx.so.1 => /path (addr)", "/lib64/ld-linux-x86-64.so.2 (addr)", "linux-vdso.so.1
# (addr)" (in the kernel, nothing to copy) or "libx.so.1 => not found" (fatal).
ldd "$binary" | awk '
  $2 == "=>" && $3 == "not" { print "missing " $1 > "/dev/stderr"; failed = 1; next }
  $2 == "=>" && $3 ~ /^\// { print $3; next }
  $1 ~ /^\// { print $1 }
  END { exit failed }' |
while read -r library; do
  cp -L "$library" "$staging/lib/$(basename "$library")"
done
if [ ! -e "$staging/lib/ld-linux-x86-64.so.2" ]; then
  echo "make-bundle: ldd listed no ld-linux-x86-64.so.2 loader" >&2
  exit 1
fi

cat > "$staging/bin/fleet-agent" <<'WRAPPER'
#!/bin/sh
# Runs the bundled fleet-agent with the bundled loader and libraries, not the host's.
dir=$(cd "$(dirname "$0")/.." && pwd -P)
exec "$dir/lib/ld-linux-x86-64.so.2" --argv0 "$0" --library-path "$dir/lib" \
  "$dir/libexec/fleet-agent" "$@"
WRAPPER

chmod 0755 "$staging"/bin/* "$staging"/lib/* "$staging"/libexec/*
[ ! -e "$staging/VERSION" ] || chmod 0644 "$staging/VERSION"
(
  cd "$staging"
  find . -type f ! -name MANIFEST | sed 's|^\./||' | LC_ALL=C sort |
  while read -r path; do
    printf '%s %s %s\n' "$(sha256sum < "$path" | cut -d' ' -f1)" "$(stat -c %a "$path")" "$path"
  done > MANIFEST
)
rm -rf "$out"
mv "$staging" "$out"
