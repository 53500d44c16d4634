#!/usr/bin/env bash
# The root filesystem of every image: Debian bookworm, minbase variant, made by debootstrap from Debian's own
# mirror (no container registry). Usage: rootfs.sh <empty dir>. tools/images imports the result with
# `docker import`; any change to this file changes the base image's tag, so the base is rebuilt only then.
set -euo pipefail
target="$1"
# apt inside the chroot downloads as the _apt user, which must be able to enter the target.
chmod 755 "$target"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

debootstrap --variant=minbase --components=main bookworm "$target" "$mirror" >/dev/null
echo "rootfs: debootstrap took ${SECONDS} s"

# Docs, man pages and translations are never read inside a container (the copyright files stay).
cat >"$target/etc/dpkg/dpkg.cfg.d/01-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
# Images install only what they name, and leave no package lists or archives behind.
cat >"$target/etc/apt/apt.conf.d/01-slim" <<'CFG'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Languages "none";
DPkg::Post-Invoke { "rm -rf /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
CFG
cat >"$target/etc/apt/sources.list" <<LIST
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security_mirror bookworm-security main
LIST

# Security updates published since the point release debootstrap installed.
chroot "$target" /usr/bin/env DEBIAN_FRONTEND=noninteractive sh -c 'apt-get update -qq && apt-get upgrade -y -qq'
chroot "$target" apt-get clean
rm -rf "$target"/var/lib/apt/lists/* "$target"/var/cache/apt/* "$target"/var/log/* "$target"/tmp/* \
  "$target"/usr/share/doc/*/changelog* "$target"/usr/share/man/* "$target"/usr/share/info/*
# Some packages' maintainer scripts (the JRE's update-alternatives) expect this folder to exist.
mkdir -p "$target/usr/share/man/man1"
echo "rootfs: done in ${SECONDS} s"
