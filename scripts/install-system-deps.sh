#!/usr/bin/env bash
# Installs the Debian packages the tests and the demo use, when they are missing.
# crm_simulate (pacemaker-cli-utils) and pcs are test oracles only; the product never calls them.
set -euo pipefail
wanted=(pacemaker-cli-utils etcd-server etcd-client resource-agents fence-agents ipmitool)
missing=()
for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
