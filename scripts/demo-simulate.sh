#!/usr/bin/env bash
# Offline part of the demo: the OpenStack HA guide's controller plane (built from its pcs
# commands, with the promotion scores the galera and redis agents would publish), started,
# then controller-1 crashes: what Buttress decides, as crm_simulate prints.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== Buttress simulate: examples/openstack-controllers.xml (3 controllers, $(grep -c '<primitive' examples/openstack-controllers.xml) primitives)"
start=$(date +%s%N)
$BIN/buttress simulate -x examples/openstack-controllers.xml -S -Q -O "$work/running.xml" > "$work/startup.txt"
echo "   start-up transition: $(grep -c '^  \* Start' "$work/startup.txt") starts, computed and run in $(( ($(date +%s%N) - start) / 1000000 )) ms"
echo
echo "== controller-1 crashes (--node-fail controller-1)"
$BIN/buttress simulate -x "$work/running.xml" --node-fail controller-1 -S > "$work/crash.txt"
sed -n '/^Transition Summary:/,/^Executing Cluster Transition:/p' "$work/crash.txt" > "$work/summary.txt"
head -n 30 "$work/summary.txt"
echo "   ... $(grep -c '^  \*' "$work/summary.txt") summary lines in all"
echo
echo "== the same decision as JSON, for tools (first 3 summary lines)"
$BIN/buttress simulate -x "$work/running.xml" --node-fail controller-1 --output json > "$work/crash.json"
$BIN/python -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(d["summary"][:3]))' "$work/crash.json"
