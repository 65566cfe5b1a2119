#!/usr/bin/env bash
# A real Spark standalone cluster under faults, on this machine's loopback interface: one master and two workers in
# separate JVMs (started from Spark's own classes), the shaded jar submitted through Spark's submit entry point
# (org.apache.spark.deploy.SparkSubmit), synchronous EqProp training of mnist-fc1.
#
#   A. the single-machine run (no Spark): the reference parameters
#   B. the cluster run with worker 2 and its executor killed (SIGKILL) in the middle of epoch 1
#   C. the cluster run with the driver killed (SIGKILL) after its epoch-1 checkpoint, then submitted again with --resume
#
# B and C must end with A's parameters (relative difference < 1e-4: the cluster sums the per-partition gradients in
# another order than one machine, about 1e-6 apart). Exit code 0 when both do, 1 otherwise.
#
# Usage: dl4j-eqprop-spark/cluster-faults.sh [--data-dir DIR] [--work DIR] [--train-limit N]
#   Needs JDK 17, Maven and MNIST (--data-dir, else $EQPROP_DATA_DIR, else ~/.deeplearning4j). Builds the shaded jar
#   (mvn -Pspark-submit, about 2 minutes) unless EQPROP_SPARK_JAR names one. Takes about 5 minutes on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${EQPROP_DATA_DIR:-}"
work="$(mktemp -d /tmp/eqprop-cluster.XXXXXX)"
limit=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --data-dir) data="$2"; shift 2 ;;
    --work) work="$2"; mkdir -p "$work"; shift 2 ;;
    --train-limit) limit="$2"; shift 2 ;;
    *) echo "usage: $0 [--data-dir DIR] [--work DIR] [--train-limit N]" >&2; exit 2 ;;
  esac
done
data_opt=()
[ -n "$data" ] && data_opt=(--data-dir "$data")
log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*"; }

# --- the jar and a Spark home made of the Maven artifacts (Spark 3.1.2, Scala 2.12) ---
jar="${EQPROP_SPARK_JAR:-}"
if [ -z "$jar" ]; then
  # in a copy of the sources: the profile marks Spark "provided", which must not touch this tree's build
  log "building the shaded jar (mvn -Pspark-submit package, in $work/src)"
  mkdir -p "$work/src"
  tar -C "$here" --exclude=./.git --exclude='*/target' --exclude=./runs -cf - . | tar -C "$work/src" -xf -
  (cd "$work/src" && mvn -q -B -o -Pspark-submit -DskipTests -pl dl4j-eqprop-examples -am package >&2 \
    || mvn -q -B -Pspark-submit -DskipTests -pl dl4j-eqprop-examples -am package >&2)
  jar="$work/src/dl4j-eqprop-examples/target/dl4j-eqprop-examples-0.1.0-SNAPSHOT-spark.jar"
fi
(cd "$here" && mvn -q -B dependency:build-classpath -pl dl4j-eqprop-spark -Dmdep.includeScope=runtime \
  -Dmdep.outputFile="$work/spark-classpath.txt" >&2)
export SPARK_HOME="$work/spark-home" SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12
mkdir -p "$SPARK_HOME/jars" "$SPARK_HOME/conf"
touch "$SPARK_HOME/RELEASE"   # tells Spark's launcher that $SPARK_HOME/jars holds the classpath
tr ':' '\n' < "$work/spark-classpath.txt" | grep -v '/org/nd4j/\|/org/deeplearning4j/\|/org/bytedeco/\|/org/eqprop/' \
  | while read -r j; do ln -sf "$j" "$SPARK_HOME/jars/"; done
cat > "$SPARK_HOME/conf/log4j.properties" <<'EOF'
log4j.rootCategory=WARN, console
log4j.appender.console=org.apache.log4j.ConsoleAppender
log4j.appender.console.target=System.err
log4j.appender.console.layout=org.apache.log4j.PatternLayout
log4j.appender.console.layout.ConversionPattern=%d{HH:mm:ss} %p %c{1}: %m%n
EOF
opens="--add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED"
opens+=" --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED"
opens+=" --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED"
spark_cp="$SPARK_HOME/conf:$SPARK_HOME/jars/*"
port=$((17000 + RANDOM % 2000))
master="spark://127.0.0.1:$port"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  pkill -9 -f "CoarseGrainedExecutorBackend.*$port" 2>/dev/null || true
}
trap cleanup EXIT

start_worker() {   # $1 = 1 or 2
  mkdir -p "$work/worker$1"
  java $opens -Xmx512m -cp "$spark_cp" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 \
    --memory 2g --work-dir "$work/worker$1" --webui-port 0 "$master" > "$work/worker$1.log" 2>&1 &
  eval "worker$1=$!"
  pids+=("$!")
}
# the executors a worker started (their working directories lie under its work dir)
executors_of() {
  for p in $(pgrep -f CoarseGrainedExecutorBackend || true); do
    case "$(readlink "/proc/$p/cwd" 2>/dev/null)" in "$work/worker$1"*) echo "$p" ;; esac
  done
}

common=(train --preset mnist-fc1 --epochs 2 --train-limit "$limit" --test-limit 500 --free-steps 10
        --nudged-steps 4 --seed 7 "${data_opt[@]}")
submit() {   # in the background; $1 = log file, rest = CLI arguments; sets $driver to the driver JVM's pid
  local out="$1"; shift
  java $opens --add-modules jdk.incubator.vector -Xmx2g -cp "$spark_cp" org.apache.spark.deploy.SparkSubmit \
    --master "$master" --conf spark.executor.memory=1g --conf spark.driver.host=127.0.0.1 \
    --conf "spark.executor.extraJavaOptions=$opens --add-modules jdk.incubator.vector" \
    --class org.eqprop.examples.cli.Main "$jar" "$@" --spark "$master" > "$out" 2>&1 &
  driver=$!
  pids+=("$driver")
}
wait_for() {   # $1 = file, $2 = pattern, $3 = timeout seconds
  local t=0
  until grep -q "$2" "$1" 2>/dev/null; do
    sleep 1; t=$((t + 1))
    [ "$t" -lt "$3" ] || { log "timed out waiting for '$2' in $1"; tail -n 20 "$1"; exit 1; }
  done
}

log "work dir $work; master $master"
java $opens -Xmx512m -cp "$spark_cp" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
  --webui-port 0 > "$work/master.log" 2>&1 &
pids+=("$!")
sleep 5
start_worker 1
start_worker 2
sleep 5

log "A: single machine"
java --add-modules jdk.incubator.vector -Xmx2g -cp "$jar:$spark_cp" org.eqprop.examples.cli.Main "${common[@]}" \
  --out "$work/A" > "$work/A.log" 2>&1
tail -n 1 "$work/A.log" | grep -q '"status": "ok"' || { tail -n 5 "$work/A.log"; exit 1; }

log "B: cluster, worker 2 killed in epoch 1"
submit "$work/B.log" "${common[@]}" --out "$work/B"
wait_for "$work/B.log" "epoch 1/2 \[" 300
sleep 3
victims="$worker2 $(executors_of 2 | tr '\n' ' ')"
log "  killing worker 2 and its executor: $victims"
kill -9 $victims
wait "$driver" || true
tail -n 1 "$work/B.log" | grep -q '"status": "ok"' || { log "B failed"; tail -n 20 "$work/B.log"; exit 1; }
start_worker 2
sleep 5

log "C: cluster, driver killed after epoch 1, then --resume"
submit "$work/C1.log" "${common[@]}" --out "$work/C"
wait_for "$work/C1.log" "^epoch 1: " 300
sleep 2
log "  killing the driver ($driver)"
kill -9 "$driver"
wait "$driver" 2>/dev/null || true
pkill -9 -f "CoarseGrainedExecutorBackend.*$port" 2>/dev/null || true
sleep 5
submit "$work/C2.log" "${common[@]}" --out "$work/C" --resume
wait "$driver" || true
grep -m1 "resuming" "$work/C2.log" || true
tail -n 1 "$work/C2.log" | grep -q '"status": "ok"' || { log "C failed"; tail -n 20 "$work/C2.log"; exit 1; }

log "results"
status=0
for r in B C; do
  line="$(java -Xmx1g -cp "$jar" org.eqprop.examples.cli.Main params-diff --a "$work/A/model.zip" \
    --b "$work/$r/model.zip" --tolerance 1e-4 2>/dev/null | tail -n 1)"
  echo "$r vs A: $line"
  echo "$line" | grep -q '"within": true' || status=1
done
for r in A B C2; do
  printf '%s: %s\n' "$r" "$(tail -n 1 "$work/$r.log" | grep -o '"test_errors": \[[^]]*\]')"
done
exit "$status"
