#!/usr/bin/env bash
# The fault and Kafka suites, three times in a row, beside a CPU hog that keeps the load average above 8:
# the guarantees must hold on a busy machine, not only on a quiet one. Not part of CI (it loads the
# machine on purpose). Prints, per run and per fault, lost / duplicated / time to recover (from the
# FAULT_FIGURES lines the fault tests print), and each run's pass or failure with the load it met.
#
#   scripts/faults-under-load.sh                 # 3 runs, a broker of its own, 9 hog processes
#   RUNS=5 HOGS=12 KAFKA_BROKERS=127.0.0.1:9092 scripts/faults-under-load.sh
#
# Exit code: 0 when every run passed, 1 otherwise. Logs of each run in $OUT (default .cache/faults-under-load).
set -uo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
HOGS=${HOGS:-9}
MIN_LOAD=${MIN_LOAD:-8}
OUT=${OUT:-.cache/faults-under-load}
SUITES=(test/faults test/kafka.faults.e2e.test.ts test/kafka.worker.e2e.test.ts test/kafka.poison.e2e.test.ts
  test/kafka.collector.e2e.test.ts test/kafka.refused.e2e.test.ts test/kafka.dlqReplay.e2e.test.ts test/kafka.logs.e2e.test.ts)
mkdir -p "$OUT"

hog_pids=()
broker_pid=""
cleanup() {
  for pid in "${hog_pids[@]}"; do kill "$pid" 2>/dev/null; done
  if [[ -n "$broker_pid" ]]; then kill -TERM "$broker_pid" 2>/dev/null; wait "$broker_pid" 2>/dev/null; fi
}
trap cleanup EXIT INT TERM

load1() { cut -d' ' -f1 /proc/loadavg; }

# The hog: busy loops at the lowest priority, so that they take every idle cycle and the suites still run.
for _ in $(seq "$HOGS"); do
  nice -n 19 node -e 'for (;;) {}' &
  hog_pids+=($!)
done
echo "hog: $HOGS busy processes (pids ${hog_pids[*]})"

# One broker for every run, unless one is given.
if [[ -z "${KAFKA_BROKERS:-}" ]]; then
  npx tsx scripts/kafka/cli.ts >"$OUT/broker.out" 2>"$OUT/broker.err" &
  broker_pid=$!
  until grep -q '^KAFKA_BROKERS=' "$OUT/broker.out" 2>/dev/null; do
    if ! kill -0 "$broker_pid" 2>/dev/null; then echo "the broker did not start:"; cat "$OUT/broker.err"; exit 1; fi
    sleep 1 # the broker prints its address once ready
  done
  export KAFKA_BROKERS=$(sed -n 's/^KAFKA_BROKERS=//p' "$OUT/broker.out")
fi
echo "broker: $KAFKA_BROKERS"

# The load average follows the hog over a minute: wait for it to pass MIN_LOAD before the first run.
until awk -v l="$(load1)" -v m="$MIN_LOAD" 'BEGIN { exit !(l > m) }'; do
  echo "load $(load1), waiting for > $MIN_LOAD"
  sleep 5
done

failed=0
for run in $(seq "$RUNS"); do
  log="$OUT/run-$run.log"
  echo
  echo "== run $run of $RUNS: load at start $(load1)"
  start=$(date +%s)
  npx vitest run "${SUITES[@]}" >"$log" 2>&1
  code=$?
  echo "   $([[ $code == 0 ]] && echo passed || echo FAILED) in $(( $(date +%s) - start )) s, load at end $(load1) (log: $log)"
  [[ $code == 0 ]] || { failed=1; grep -E '(FAIL|×)' "$log" | head -20 | sed 's/^/   /'; }
  # One line per fault: lost, duplicated, time to recover, whether the API answered as a clean store.
  sed -n 's/.*FAULT_FIGURES //p' "$log" | node -e '
    let text = ""; process.stdin.on("data", (d) => (text += d)).on("end", () => {
      for (const line of text.split("\n").filter(Boolean)) {
        const f = JSON.parse(line);
        console.log(`   ${f.fault}: lost ${f.lost}, duplicated ${f.duplicated}, recovered in ${(f.recover_ms / 1000).toFixed(1)} s, API equal ${f.api_equal}`);
      }
    });'
done
echo
[[ $failed == 0 ]] && echo "all $RUNS runs passed beside the hog" || echo "at least one run failed: see the logs in $OUT"
exit $failed
