#!/usr/bin/env bash
# Sets up what the Spark job's tests and benchmark need (docs/spark.md), into .cache/spark/ of this clone:
#   - a Python venv with the pinned PySpark (spark/requirements.txt), built on the system python3;
#   - the s3a:// connector jars, hadoop-aws and the AWS SDK bundle it was built against, from Maven
#     Central, at the Hadoop version that PySpark's own jars carry (a mismatch fails at run time with
#     NoSuchMethodError, not at start).
# Nothing is downloaded at test time. Safe to run again: each step skips what is already there.
# Needs Java 17 (the polyglot machines have it; `apt-get install openjdk-17-jre-headless` elsewhere) and Maven.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=.cache/spark
VENV=$DIR/venv
JARS=$DIR/jars
mkdir -p "$DIR"

if ! command -v java >/dev/null; then echo "setup-spark: java not found (Java 17 is needed)" >&2; exit 1; fi

# The venv's python must be a real interpreter, not pyenv's shim (the shim may pick another version in
# another folder): resolve it once.
PY=$(python3 -c 'import sys; print(sys.executable)')
if [ ! -x "$VENV/bin/python" ] || ! cmp -s spark/requirements.txt "$VENV/.requirements"; then
  echo "setup-spark: venv with $(grep -v '^#' spark/requirements.txt | tr '\n' ' ')"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir -r spark/requirements.txt
  cp spark/requirements.txt "$VENV/.requirements"
fi

# Hadoop version of the pinned PySpark: read from its bundled hadoop-client-api jar's name.
HADOOP=$(ls "$VENV"/lib/python*/site-packages/pyspark/jars/ | sed -n 's/^hadoop-client-api-\(.*\)\.jar$/\1/p')
if [ -z "$HADOOP" ]; then echo "setup-spark: cannot tell PySpark's Hadoop version" >&2; exit 1; fi
if [ ! -f "$JARS/hadoop-aws-$HADOOP.jar" ]; then
  echo "setup-spark: hadoop-aws $HADOOP and its AWS SDK bundle from Maven Central"
  mkdir -p "$JARS"
  # copy-dependencies of a throwaway pom brings hadoop-aws with its runtime dependencies: the exact
  # aws-java-sdk-bundle it was built against (and wildfly-openssl), no guessing of versions.
  tmp=$(mktemp -d)
  cat >"$tmp/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>sidelight</groupId><artifactId>spark-jars</artifactId><version>1</version>
  <dependencies><dependency><groupId>org.apache.hadoop</groupId><artifactId>hadoop-aws</artifactId><version>$HADOOP</version></dependency></dependencies>
</project>
POM
  rm -rf "$JARS.tmp"
  mvn -q -B -f "$tmp/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$PWD/$JARS.tmp"
  rm -rf "$tmp"
  mv "$JARS.tmp"/*.jar "$JARS"/
  rmdir "$JARS.tmp"
fi
echo "setup-spark: PySpark $("$VENV/bin/python" -c 'import pyspark; print(pyspark.__version__)'), Hadoop $HADOOP, jars: $(ls "$JARS" | tr '\n' ' ')"
