#!/usr/bin/env bash
# Build .venv-nova: real Nova 34 + Placement 16 for the instance-HA test fixture.
#
# Idempotent: when the venv exists and its completion stamp is present, exit at once.
# Nova pins many libraries, so it lives apart from the main .venv. About 90 s, 400 MB.
# usage: scripts/nova-venv.sh [VENV_DIR]   (default: <repo>/.venv-nova)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${1:-$ROOT/.venv-nova}"
STAMP="$VENV/.buttress-nova-complete"
PY="${PYTHON:-python3}"

if [[ -f "$STAMP" && -x "$VENV/bin/python" ]]; then
    exit 0
fi

echo "nova-venv: building $VENV" >&2
rm -rf "$VENV"
"$PY" -m venv "$VENV"
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/pip" install -q 'nova==34.0.0' 'openstack-placement==16.0.0' \
    'SQLAlchemy<2.1' wsgi-intercept oslotest

# Nova's test fixtures find api-paste.ini as <site-packages>/etc/nova; pip puts it
# under <venv>/etc/nova.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
if [[ ! -e "$SITE/etc" ]]; then
    ln -s "$VENV/etc" "$SITE/etc"
fi
test -f "$SITE/etc/nova/api-paste.ini"
"$VENV/bin/python" -c 'import nova.tests.functional.integrated_helpers' >/dev/null

touch "$STAMP"
echo "nova-venv: ready" >&2
