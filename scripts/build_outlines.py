"""Derive the dashboard's country outlines from Natural Earth (npm package world-atlas).

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_outlines.py package/countries-110m.json

writes src/warlog/web/static/countries.geojson: the 1:110m countries decoded from TopoJSON,
coordinates rounded to 0.01 degree.  Natural Earth is in the public domain; world-atlas is
ISC-licensed (Mike Bostock).  Run once; the output is committed and installed with the package.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/warlog/web/static/countries.geojson"


def decode(topo: dict, name: str = "countries") -> dict:
    scale, translate = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((round(x * scale[0] + translate[0], 2), round(y * scale[1] + translate[1], 2)))
        arcs.append(pts)

    def ring(indexes: list[int]) -> list[list[float]]:
        out: list[tuple[float, float]] = []
        for i in indexes:
            pts = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(pts if not out else pts[1:])
        cleaned = [list(p) for k, p in enumerate(out) if k == 0 or p != out[k - 1]]
        return cleaned

    features = []
    for geom in topo["objects"][name]["geometries"]:
        t = geom.get("type")
        if t == "Polygon":
            coords = [ring(r) for r in geom["arcs"]]
        elif t == "MultiPolygon":
            coords = [[ring(r) for r in poly] for poly in geom["arcs"]]
        else:
            continue
        features.append({"type": "Feature", "id": geom.get("id"),
                         "properties": {"name": geom.get("properties", {}).get("name")},
                         "geometry": {"type": t, "coordinates": coords}})
    return {"type": "FeatureCollection", "features": features}


if __name__ == "__main__":
    topo = json.loads(Path(sys.argv[1]).read_text())
    OUT.write_text(json.dumps(decode(topo), separators=(",", ":")))
    print(OUT, OUT.stat().st_size)
