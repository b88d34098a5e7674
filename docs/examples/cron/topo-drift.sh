#!/bin/sh
# Nightly drift check for cron (see docs/drift.md).
#
#   17 3 * * *  cd "$HOME/kafka-topology" && ./topo-drift.sh
#
# Exits with topo's own verdict, so cron mail or any monitor can alert on it:
#   0  the cluster matches topology.toml
#   2  drift: the plan has changes, or a group is over its lag budget
#   1  error or refusal: bad file, cluster unreachable, or a change topo refuses
#
# Environment:
#   TOPOLOGY       topology file (default: topology.toml)
#   REPORT         where the JSON plan of the last run is kept (default: drift.json)
#   TEXTFILE_DIR   if set, node_exporter's textfile collector directory: topo.prom is
#                  written there with one gauge per drift kind
#   KAFKA_BOOTSTRAP_SERVERS, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD
#                  read by the topology's [cluster] section
set -u

TOPOLOGY=${TOPOLOGY:-topology.toml}
REPORT=${REPORT:-drift.json}

topo plan -f "$TOPOLOGY" --detailed-exitcode --format json >"$REPORT.tmp"
verdict=$?
mv "$REPORT.tmp" "$REPORT"

case $verdict in
0) ;;
2) echo "Kafka drift against $TOPOLOGY: $(jq -c .summary "$REPORT")" >&2 ;;
*) echo "topo plan failed (exit $verdict); see the messages above" >&2 ;;
esac

if [ -n "${TEXTFILE_DIR:-}" ]; then
    # Written beside the final name and renamed, so the collector never reads half a file.
    # A failed run leaves the previous file in place: alert on its age
    # (node_textfile_mtime_seconds) to notice a check that stopped running.
    tmp="$TEXTFILE_DIR/topo.prom.$$"
    # The gauges come from the plan just read (the JSON report is the saved plan), so the
    # cluster is read once per run.
    if topo show "$REPORT" --format prometheus >"$tmp" && [ -s "$tmp" ]; then
        mv "$tmp" "$TEXTFILE_DIR/topo.prom"
    else
        rm -f "$tmp"
    fi
fi

exit "$verdict"
