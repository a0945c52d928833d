"""manifest.json for a bundle (docs/model-bundle.md): sha256 and size of the three files, name, version."""
import datetime
import hashlib
import json
import os


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(out, extra, name="sidelight-ade", precise_version=False):
    files = {}
    for fn in ("model.onnx", "tokenizer.json", "config.json"):
        p = os.path.join(out, fn)
        files[fn] = {"sha256": sha256(p), "size": os.path.getsize(p)}
    now = datetime.datetime.now(datetime.timezone.utc)
    version = now.strftime("%Y.%m.%d-%H%M%S" if precise_version else "%Y.%m.%d-%H%M")
    man = {"name": name, "version": version,
           "createdAt": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "files": files, "labels": ["ADE", "DRUG"]}
    man.update(extra)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(man, f, indent=1)
        f.write("\n")
