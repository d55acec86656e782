#!/usr/bin/env bash
# Installs the system packages the tests use (real servers, a real browser, feed clients) when
# they are missing. Needs root on a fresh Debian machine; does nothing when all are present.
set -euo pipefail

packages=(openssh-server nginx libnginx-mod-http-dav-ext lighttpd lighttpd-mod-webdav chromium
  python3-feedparser newsboat git unzip zip hugo rclone
  swift-proxy swift-account swift-container swift-object memcached)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "test setup: missing system packages: ${missing[*]}; run as root or install them with apt-get." >&2
  exit 1
fi
echo "test setup: installing ${missing[*]}" >&2
# Packages must not start services on 0.0.0.0 when installed: tests start their own on 127.0.0.1.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
rm -f /var/lib/man-db/auto-update
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
mkdir -p /run/sshd
