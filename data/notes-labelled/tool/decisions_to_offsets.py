# Round 2 (2026-11-26): my per-note decisions (/tmp/sl/gold/<id>.labels) -> offsets for tool/label.js.
# Resolve my decision lists (/tmp/sl/gold/*.labels) to offsets with build.py's own parser -> /tmp/sl/gold.json
import json, os, sys
sys.path.insert(0, '/work/main/data/notes-labelled')
import build
out = {}
errors = []
for f in sorted(os.listdir('/tmp/sl/gold')):
    nid = f[:-7]
    text = open(f'/tmp/sl/ws/notes/mtsamples/{nid}.txt', encoding='utf-8', newline='').read()
    spans, nots = build.parse_labels(f'/tmp/sl/gold/{f}', text, errors)
    assert all(ord(c) < 0x10000 for c in text)
    out[nid] = sorted([{'label': l, 'start': s, 'end': e, 'text': text[s:e]} for l, s, e, _ in spans], key=lambda x: x['start'])
print('\n'.join(errors) or 'ok')
json.dump(out, open('/tmp/sl/gold.json', 'w'), indent=1)
for k, v in out.items(): print(k, len(v), sum(1 for x in v if x['label']=='ADE'))
