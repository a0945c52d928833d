#!/usr/bin/env python3
"""Pre-annotate a corpus on Spark with the same model and the same offsets as `sidelight predict`.

    spark-submit spark/sidelight_spark.py --input s3a://bucket/notes/ --input-format text \
        --output s3a://bucket/predictions/ --remote s3://bucket/team --model sidelight-ade@2026.11.26-0729

What it does (docs/spark.md has the how-to and the reasons):
  1. On the driver, pulls the model bundle from the Sidelight remote by version with `sidelight model pull`
     (every file's size and sha256 checked against manifest.json, as the editor does), and ships the verified
     folder to the executors with SparkContext.addFile.
  2. Reads the notes: text files under a folder or prefix (id = path relative to it), or JSONL / Parquet rows
     with `id` and `text`. Each note's sha256 (of its UTF-8 text) is computed.
  3. Skips the notes that the output already holds for the same model (name, version, manifest sha) and the
     same note sha: a re-run after a failure does only what is left.
  4. Pipes each partition through ONE long-lived `sidelight predict --jsonl -` process (the model loads once
     per partition; rows stream through it in order), so the spans are exactly what the CLI gives.
  5. Appends the rows, with model_name, model_version and model_manifest_sha256 on every row, as JSONL or
     Parquet, in waves of --wave-size notes, each one Spark job committed on its own (a crash loses at most
     the wave in flight; a failed task's attempt is discarded by the output committer and retried, so a
     retried partition leaves no duplicates).

Rows the CLI reports as failed (e.g. not predictable) are written with `error` set and no spans; they do not
count as done, so the next run tries them again. Readers take the rows where `error` is null.
"""

import argparse
import collections
import hashlib
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

# Output columns. Spans keep the CLI's fields and order (interchange JSONL, design.md).
OUTPUT_DDL = (
    "id string, text string, "
    "spans array<struct<label: string, start: int, end: int, text: string, score: double, fragments: array<array<int>>>>, "
    "note_sha256 string, model_name string, model_version string, model_manifest_sha256 string, error string"
)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--input", required=True, help="folder or prefix (file:/, s3a://, hdfs://, dbfs:/…)")
    p.add_argument("--input-format", choices=["text", "jsonl", "parquet"], default="text",
                   help="text: every file under --input is a note, its id the path relative to --input; "
                        "jsonl / parquet: rows with id and text")
    p.add_argument("--glob", default="*.txt",
                   help='text input: which file names are notes (default "*.txt", as the editor\'s sidelight.include; '
                        '"*" for every file)')
    p.add_argument("--output", required=True, help="folder or prefix the predictions are appended to")
    p.add_argument("--output-format", choices=["jsonl", "parquet"], default="jsonl")
    model = p.add_mutually_exclusive_group(required=True)
    model.add_argument("--model", help="NAME@VERSION (or NAME for LATEST) on the Sidelight remote (--remote)")
    model.add_argument("--model-dir", help="a local model bundle folder instead (no remote; its manifest is still checked)")
    p.add_argument("--remote", help="the Sidelight remote holding models/<name>/<version>/ (s3://bucket/prefix or file:///path)")
    p.add_argument("--cli", default=os.environ.get("SIDELIGHT_CLI", "sidelight"),
                   help='the command that runs the sidelight CLI on the driver and every executor '
                        '(default: $SIDELIGHT_CLI or "sidelight"; e.g. "node /opt/sidelight/dist/cli.js")')
    p.add_argument("--notes-per-partition", type=int, default=2000,
                   help="each partition starts one CLI process (about a second to load the model): "
                        "large partitions amortise it, small ones spread a small corpus over the cores")
    p.add_argument("--wave-size", type=int, default=200000,
                   help="notes per committed Spark job: a crash loses at most one wave of work")
    p.add_argument("--threshold", type=float, help="passed to sidelight predict")
    p.add_argument("--no-context-filter", action="store_true", help="passed to sidelight predict")
    return p.parse_args(argv)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def resolve_model(args, cli):
    """Returns (bundle_dir, name, version, manifest_sha256, scratch), the bundle verified; scratch: a folder
    to remove at the end, or None."""
    if args.model_dir:
        bundle = os.path.abspath(args.model_dir)
        with open(os.path.join(bundle, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        return bundle, manifest["name"], manifest["version"], sha256_file(os.path.join(bundle, "manifest.json")), None
    if not args.remote:
        sys.exit("sidelight-spark: --model NAME@VERSION needs --remote (the Sidelight remote that holds the models)")
    # A throwaway workspace: `model pull` downloads into .sidelight/models/<name>/<version>/ and verifies every
    # file against the manifest before it pins anything; a partial or tampered download fails here, on the
    # driver, before any executor starts.
    ws = tempfile.mkdtemp(prefix="sidelight-spark-model-")
    out = subprocess.run(cli + ["model", "pull", args.model, "--workspace", ws, "--remote", args.remote, "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        sys.exit(f"sidelight-spark: model pull {args.model} failed ({out.returncode}): {out.stderr.strip()}")
    pulled = json.loads(out.stdout.strip().splitlines()[-1])
    bundle = os.path.join(ws, ".sidelight", "models", pulled["name"], pulled["version"])
    if sha256_file(os.path.join(bundle, "manifest.json")) != pulled["manifestSha256"]:
        sys.exit("sidelight-spark: the pulled manifest.json does not match the sha256 model pull reported")
    return bundle, pulled["name"], pulled["version"], pulled["manifestSha256"], ws


def as_double(score):
    """A score for the DoubleType column: JSON writes 1.0 as `1`, which Python reads as an int and Spark
    refuses there (CANNOT_ACCEPT_OBJECT_IN_TYPE)."""
    return None if score is None else float(score)


def predict_partition(rows, cli_args, bundle_name, model):
    """Runs on an executor: streams one partition's rows through one `sidelight predict --jsonl -` process.

    A writer thread feeds stdin while this generator reads stdout, so neither side can block the other on a
    full pipe (the same design as RDD.pipe). Output row k answers input row k (the CLI's contract); the id is
    checked anyway, and any mismatch, early end or crash raises, which makes Spark retry the task.
    """
    from pyspark import SparkFiles

    name, version, manifest_sha = model
    bundle = SparkFiles.get(bundle_name)
    # The executor's copy is checked too: addFile copies are not verified by Spark.
    if sha256_file(os.path.join(bundle, "manifest.json")) != manifest_sha:
        raise RuntimeError(f"model bundle {bundle} on this executor does not match manifest sha {manifest_sha}")

    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(cli_args + ["--model", bundle], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=err, bufsize=1 << 16)
    sent = collections.deque()
    lock = threading.Lock()
    writer_error = []

    def feed():
        try:
            for r in rows:
                with lock:
                    sent.append((r["id"], r["text"], r["note_sha256"]))
                line = json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n"
                proc.stdin.write(line.encode("utf-8"))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # the CLI died: reported below from its exit code and stderr
        except Exception as e:  # noqa: BLE001 — re-raised in the task's thread
            writer_error.append(e)
            try:
                proc.stdin.close()
            except OSError:
                pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()

    def fail(why):
        proc.kill()
        proc.wait()
        err.seek(0)
        tail = err.read()[-4000:].decode("utf-8", "replace")
        raise RuntimeError(f"sidelight predict {why}; its stderr ends with:\n{tail}")

    failed_rows = 0
    for raw in proc.stdout:
        out = json.loads(raw)
        with lock:
            if not sent:
                fail("wrote more rows than it was given")
            sid, text, note_sha = sent.popleft()
        if out.get("id") != sid:
            fail(f"answered id {out.get('id')!r} where {sid!r} was expected")
        if "error" in out:
            failed_rows += 1
            yield (sid, text, None, note_sha, name, version, manifest_sha, out["error"])
            continue
        spans = [(s["label"], s["start"], s["end"], s["text"], as_double(s.get("score")), s.get("fragments")) for s in out["spans"]]
        yield (sid, text, spans, note_sha, name, version, manifest_sha, None)
    writer.join()
    code = proc.wait()
    if writer_error:
        raise writer_error[0]
    if sent:
        fail(f"stopped after answering part of the partition ({len(sent)} row(s) unanswered, exit code {code})")
    # Exit 1 with error rows is the CLI saying some rows failed (written above); anything else is a crash.
    if code != 0 and not (code == 1 and failed_rows):
        fail(f"exited with code {code}")
    err.close()


def qualified(spark, path):
    """The fully qualified form of a path (scheme and authority), as Spark reports file paths."""
    jvm = spark.sparkContext._jvm
    p = jvm.org.apache.hadoop.fs.Path(path)
    fs = p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return fs, fs.makeQualified(p).toString()


def read_notes(spark, args):
    from pyspark.sql import functions as F

    if args.input_format == "text":
        def norm(uri):
            # Spark reports file paths URL-encoded, and local ones as file:///x where Hadoop qualifies the
            # input as file:/x: compare them in one form. Ids are the plain relative path.
            u = urllib.parse.unquote(uri)
            return "file:/" + u[len("file:///"):] if u.startswith("file:///") else u

        _, prefix = qualified(spark, args.input)
        prefix = norm(prefix).rstrip("/") + "/"

        @F.udf("string")
        def relative(path):
            p = norm(path)
            return p[len(prefix):] if p.startswith(prefix) else p

        # wholetext must be text()'s argument: text() resets the option to its own default (False).
        df = (spark.read.text(args.input, wholetext=True, recursiveFileLookup=True, pathGlobFilter=args.glob)
              # Without a leading byte order mark, as the editor shows the note and counts its offsets
              # (VS Code drops it; readNoteText does too): otherwise every span would be one off.
              .select(relative(F.input_file_name()).alias("id"), F.regexp_replace(F.col("value"), "^\ufeff", "").alias("text")))
    elif args.input_format == "jsonl":
        df = spark.read.schema("id string, text string").json(args.input)
    else:
        df = spark.read.parquet(args.input).select(F.col("id").cast("string").alias("id"), F.col("text"))
    bad = df.where(F.col("id").isNull() | F.col("text").isNull())
    df = df.where(F.col("id").isNotNull() & F.col("text").isNotNull())
    # sha2 hashes the string's UTF-8 bytes: the same sha256 the sidecars record for a note.
    return df.withColumn("note_sha256", F.sha2(F.col("text"), 256)), bad


def read_done(spark, args, model):
    """(id, note_sha256) of the notes the output already holds for this exact model."""
    from pyspark.sql import functions as F

    fs, out = qualified(spark, args.output)
    jvm = spark.sparkContext._jvm
    if not fs.exists(jvm.org.apache.hadoop.fs.Path(out)):
        return None
    reader = spark.read.schema(OUTPUT_DDL)
    try:
        prior = reader.json(args.output) if args.output_format == "jsonl" else reader.parquet(args.output)
    except Exception as e:  # noqa: BLE001 — an empty folder has no files to read: nothing done yet
        if "Unable to infer schema" in str(e) or "Path does not exist" in str(e):
            return None
        raise
    name, version, manifest_sha = model
    return (prior.where(F.col("error").isNull() & (F.col("model_name") == name) & (F.col("model_version") == version)
                        & (F.col("model_manifest_sha256") == manifest_sha))
            .select("id", "note_sha256").distinct())


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    cli = shlex.split(args.cli)
    bundle, name, version, manifest_sha, scratch = resolve_model(args, cli)
    model = (name, version, manifest_sha)
    print(f"sidelight-spark: model {name}@{version} (manifest sha256 {manifest_sha})", file=sys.stderr)

    spark = SparkSession.builder.appName(f"sidelight-predict {name}@{version}").getOrCreate()
    sc = spark.sparkContext
    # addFile wants a fresh name per job on a long-lived cluster: the version folder's name is unique per model.
    sc.addFile(bundle, recursive=True)
    bundle_name = os.path.basename(bundle.rstrip("/"))

    rows_in, bad = read_notes(spark, args)
    # The same note (id and text) listed twice is predicted once.
    notes = rows_in.dropDuplicates(["id", "note_sha256"])
    done = read_done(spark, args, model)
    todo = notes if done is None else notes.join(done, ["id", "note_sha256"], "left_anti")
    started = time.time()
    read = rows_in.count()
    total = todo.count()
    skipped_bad = bad.count()
    if skipped_bad:
        print(f"sidelight-spark: {skipped_bad} input row(s) without id or text were skipped", file=sys.stderr)
    print(f"sidelight-spark: {total} note(s) to predict" + ("" if done is None else " (the others are already in the output)"), file=sys.stderr)

    # One onnxruntime thread per task CPU: by default each process would take every core of the node, and
    # the node runs one process per executor core.
    task_cpus = int(spark.conf.get("spark.task.cpus", "1"))
    cli_args = cli + ["predict", "--jsonl", "-", "--threads", str(task_cpus)]
    if args.threshold is not None:
        cli_args += ["--threshold", str(args.threshold)]
    if args.no_context_filter:
        cli_args += ["--no-context-filter"]

    waves = max(1, math.ceil(total / args.wave_size))
    failed = 0
    for w in range(waves if total else 0):
        part = todo if waves == 1 else todo.where(F.pmod(F.xxhash64("id"), F.lit(waves)) == w)
        n = total if waves == 1 else part.count()
        partitions = max(1, math.ceil(n / args.notes_per_partition))
        # Hash partitioning by id: a retried task gets exactly the same rows back (round-robin need not).
        rows = part.repartition(partitions, "id").rdd.mapPartitions(
            lambda it: predict_partition(it, cli_args, bundle_name, model))
        out = spark.createDataFrame(rows, OUTPUT_DDL)
        writer = out.write.mode("append")
        if args.output_format == "jsonl":
            writer.json(args.output)
        else:
            writer.parquet(args.output)
        print(f"sidelight-spark: wave {w + 1}/{waves} committed ({n} notes, {partitions} partition(s))", file=sys.stderr)
    if total:
        written = spark.read.schema(OUTPUT_DDL)
        written = written.json(args.output) if args.output_format == "jsonl" else written.parquet(args.output)
        failed = written.where(F.col("error").isNotNull() & (F.col("model_version") == version)).join(
            todo.select("id", "note_sha256"), ["id", "note_sha256"]).count()
    secs = time.time() - started
    print(f"sidelight-spark: predicted {total - failed} note(s), {failed} failed, in {secs:.1f} s", file=sys.stderr)
    print(json.dumps({"model": f"{name}@{version}", "manifestSha256": manifest_sha, "read": read, "todo": total,
                      "failed": failed, "seconds": round(secs, 2)}))
    spark.stop()
    if scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
