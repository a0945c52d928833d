#!/usr/bin/env python3
"""Draws media/icon.png (128x128), the extension's icon: lines of a note on a rounded dark tile, one phrase
highlighted red with a dashed underline (a predicted side effect), one blue with a solid border (a label).
Plain Python (zlib + struct), 4x4 supersampled, so it can be redrawn anywhere: python3 scripts/make-icon.py"""
import os
import struct
import zlib

N, SS = 128, 4
W = N * SS
px = [[(0, 0, 0, 0)] * W for _ in range(W)]


def over(dst, src):
    sa = src[3] / 255
    da = dst[3] / 255
    a = sa + da * (1 - sa)
    if a == 0:
        return (0, 0, 0, 0)
    c = [round((src[i] * sa + dst[i] * da * (1 - sa)) / a) for i in range(3)]
    return (c[0], c[1], c[2], round(a * 255))


def rect(x0, y0, x1, y1, color, radius=0):
    """Fills [x0, x1) x [y0, y1) in icon pixels (floats), with rounded corners of `radius`."""
    X0, Y0, X1, Y1, R = (round(v * SS) for v in (x0, y0, x1, y1, radius))
    for y in range(max(0, Y0), min(W, Y1)):
        for x in range(max(0, X0), min(W, X1)):
            cx = X0 + R if x < X0 + R else X1 - R - 1 if x >= X1 - R else x
            cy = Y0 + R if y < Y0 + R else Y1 - R - 1 if y >= Y1 - R else y
            if (x - cx) ** 2 + (y - cy) ** 2 <= R * R:
                px[y][x] = over(px[y][x], color)


TEXT = (201, 209, 217, 255)
rect(4, 4, 124, 124, (22, 27, 34, 255), 22)          # tile
rect(4, 4, 124, 124, (48, 54, 61, 0), 22)
for i, (x0, x1) in enumerate([(22, 106), (22, 84), (22, 106), (22, 64), (22, 96)]):
    rect(x0, 26 + i * 17, x1, 33 + i * 17, TEXT, 3)  # lines of the note
# A predicted side effect: red tint and a dashed underline under part of line 3.
rect(48, 57, 100, 70, (248, 81, 73, 150), 3)
for x in range(48, 100, 8):
    rect(x, 72, x + 5, 74.5, (248, 81, 73, 255))
# A human label: blue tint with a solid border around part of line 5.
rect(54, 90, 100, 103, (56, 139, 253, 255), 4)
rect(56.5, 92.5, 97.5, 100.5, (22, 27, 34, 255), 2.5)
rect(56.5, 92.5, 97.5, 100.5, (56, 139, 253, 120), 2.5)
rect(60, 93.5, 94, 99.5, TEXT, 2)

rows = []
for y in range(N):
    row = bytearray([0])
    for x in range(N):
        acc = [0, 0, 0, 0]
        for dy in range(SS):
            for dx in range(SS):
                p = px[y * SS + dy][x * SS + dx]
                a = p[3]
                acc[0] += p[0] * a
                acc[1] += p[1] * a
                acc[2] += p[2] * a
                acc[3] += a
        a = acc[3]
        row += bytes([round(acc[0] / a) if a else 0, round(acc[1] / a) if a else 0, round(acc[2] / a) if a else 0, round(a / (SS * SS))])
    rows.append(bytes(row))


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xFFFFFFFF)


png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', N, N, 8, 6, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b''.join(rows), 9)) + chunk(b'IEND', b'')
out = os.path.join(os.path.dirname(__file__), '..', 'media', 'icon.png')
tmp = out + '.tmp'
with open(tmp, 'wb') as f:
    f.write(png)
os.replace(tmp, out)
print(f'media/icon.png: {len(png)} bytes')
