"""Synthetic reports and events for tests, benchmarks and the dashboard screenshot.

Nothing here comes from real reporting: places are real names with rough coordinates, actors
follow ACLED's naming pattern, texts are generated from templates, and each event's evidence
is a real span of its generated text.
"""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

from warlog.records import Document, Event, Extraction, Span
from warlog.vocabulary import SUB_EVENT_TYPES

PLACES: dict[str, dict[str, Any]] = {
    "Syria": {"iso3": "SYR", "admin1": {"Aleppo": (36.2, 37.15), "Idlib": (35.93, 36.63), "Deir ez-Zor": (35.33, 40.14),
                                        "Homs": (34.73, 36.71), "Daraa": (32.62, 36.1)},
              "state": "Military Forces of Syria (2024-)", "rebel": "Hayat Tahrir al-Sham"},
    "Iraq": {"iso3": "IRQ", "admin1": {"Ninewa": (36.34, 43.13), "Anbar": (33.42, 43.3), "Kirkuk": (35.47, 44.39),
                                       "Baghdad": (33.31, 44.37)},
             "state": "Military Forces of Iraq (2022-)", "rebel": "Islamic State (Iraq)"},
    "Somalia": {"iso3": "SOM", "admin1": {"Banadir": (2.05, 45.32), "Lower Shabelle": (1.87, 44.83), "Bay": (3.12, 43.65),
                                          "Hiraan": (4.74, 45.2)},
                "state": "Military Forces of Somalia (2022-)", "rebel": "Al Shabaab"},
    "Ukraine": {"iso3": "UKR", "admin1": {"Donetsk": (48.0, 37.8), "Kharkiv": (49.99, 36.23), "Zaporizhia": (47.84, 35.14),
                                          "Kherson": (46.64, 32.61)},
                "state": "Military Forces of Ukraine (2019-)", "rebel": "Military Forces of Russia (2000-)"},
    "Nigeria": {"iso3": "NGA", "admin1": {"Borno": (11.83, 13.15), "Zamfara": (12.17, 6.25), "Kaduna": (10.52, 7.44)},
                "state": "Military Forces of Nigeria (2023-)", "rebel": "Islamic State West Africa Province"},
}

TEMPLATES = {
    "Battles": "{actor1} clashed with {actor2} near {location} in {admin1} on {day}, killing {n} fighters, sources said.",
    "Violence against civilians": "Gunmen from {actor1} attacked villagers in {location}, {admin1}, on {day}, killing {n} civilians.",
    "Explosions/Remote violence": "Shelling by {actor1} hit {location} in {admin1} on {day}; {n} people were killed.",
    "Protests": "Hundreds of protesters gathered in {location}, {admin1}, on {day} to demand the release of detainees.",
    "Riots": "Rioters set fire to shops in {location}, {admin1}, on {day}; {n} people died in the unrest.",
    "Strategic developments": "{actor1} arrested several suspects in {location}, {admin1}, on {day}.",
}
INTER = {"state": 1, "rebel": 2, "civilians": 7, "protesters": 6, "rioters": 5}


def _sub_types(event_type: str) -> list[str]:
    return [s for s, (t, _d) in SUB_EVENT_TYPES.items() if t == event_type]


def make_event_fields(rng: random.Random, day: date, country: str | None = None) -> dict[str, Any]:
    """Column values of one plausible event (no text): used for bulk benchmark data."""
    country = country or rng.choice(list(PLACES))
    p = PLACES[country]
    admin1 = rng.choice(list(p["admin1"]))
    lat, lon = p["admin1"][admin1]
    event_type = rng.choices(list(TEMPLATES), weights=[30, 20, 30, 8, 4, 8])[0]
    sub = rng.choice(_sub_types(event_type))
    _t, disorder = SUB_EVENT_TYPES[sub]
    if event_type in ("Battles", "Explosions/Remote violence"):
        a1, a2 = (p["state"], p["rebel"]) if rng.random() < 0.5 else (p["rebel"], p["state"])
        i1, i2 = (1, 2) if a1 == p["state"] else (2, 1)
        if event_type == "Explosions/Remote violence" and rng.random() < 0.3:
            a2, i2 = f"Civilians ({country})", 7
    elif event_type == "Violence against civilians":
        a1, i1, a2, i2 = p["rebel"], 2, f"Civilians ({country})", 7
    elif event_type == "Protests":
        a1, i1, a2, i2 = f"Protesters ({country})", 6, None, None
    elif event_type == "Riots":
        a1, i1, a2, i2 = f"Rioters ({country})", 5, None, None
    else:
        a1, i1, a2, i2 = p["state"], 1, None, None
    codes = sorted(x for x in (i1, i2) if x is not None)
    fatal = 0 if event_type in ("Protests", "Strategic developments") else int(rng.expovariate(1 / 4))
    return {
        "event_date": day, "time_precision": 1, "disorder_type": disorder, "event_type": event_type,
        "sub_event_type": sub, "actor1": a1, "inter1": i1, "actor2": a2, "inter2": i2,
        "interaction": "".join(map(str, codes)) if len(codes) == 2 else (f"{codes[0]}0" if codes else None),
        "civilian_targeting": "Civilian targeting" if a2 and a2.startswith("Civilians") else "",
        "country": country, "iso3": p["iso3"], "admin1": admin1, "admin2": None,
        "location": f"{admin1} town {rng.randint(1, 40)}",
        "latitude": round(lat + rng.uniform(-0.6, 0.6), 4), "longitude": round(lon + rng.uniform(-0.6, 0.6), 4),
        "geo_precision": rng.choice([1, 1, 1, 2, 3]), "fatalities": fatal, "reported_by": rng.choice(["Reuters", "AFP", "Local media"]),
        "confidence": round(rng.uniform(0.4, 0.95), 2),
    }


def extractions(n: int = 40, *, seed: int = 7, start: date = date(2024, 1, 1), days: int = 120) -> Iterator[Extraction]:
    """`n` synthetic documents, one event each, with the event's sentence as evidence."""
    rng = random.Random(seed)
    for i in range(n):
        day = start + timedelta(days=rng.randrange(days))
        f = make_event_fields(rng, day)
        sentence = TEMPLATES[f["event_type"]].format(
            actor1=f["actor1"], actor2=f["actor2"] or "", location=f["location"], admin1=f["admin1"],
            day=day.strftime("%d %B %Y").lstrip("0"), n=f["fatalities"])
        lead = f"{f['location'].upper()}, {f['country']} ({f['reported_by']}) - "
        text = lead + sentence + " Officials did not comment. The situation remained tense on " + \
            (day + timedelta(days=1)).isoformat() + "."
        doc = Document(id=f"demo-{seed}-{i:05d}", text=text, published=day + timedelta(days=1), country=f["country"],
                       title=f"{f['sub_event_type']} in {f['location']}", source=f["reported_by"], origin="warlog.cli.demo")
        start_at = len(lead)
        ev = Event(doc_id=doc.id, evidence=[Span(start=start_at, end=start_at + len(sentence), text=sentence)], **f)
        yield Extraction(document=doc, events=[ev])


_AMBUSH = (
    "Islamic State militants ambushed an army convoy near Sukhna in Homs province, killing {toll} soldiers, "
    "the Syrian Observatory for Human Rights said.",
    "{toll} soldiers were killed when IS fighters attacked a military convoy outside Sukhna, activists said.",
    "The death toll from the ambush on government troops near Sukhna has risen to {toll}, a war monitor said.",
    "The defence ministry said {toll} soldiers died after jihadists struck a column of troops near Sukhna.",
)


def incident_reports(tolls: tuple[int, ...] = (5, 7, 8), *, day: date = date(2024, 3, 27),
                     prefix: str = "ambush") -> list[Extraction]:
    """Reports by different outlets of one incident (an ambush near Sukhna, Syria), published a day
    apart, the toll rising: what cross-source merging joins into one incident.  At most four."""
    out = []
    for i, toll in enumerate(tolls):
        text = _AMBUSH[i % len(_AMBUSH)].format(toll=toll)
        doc = Document(id=f"{prefix}-{i + 1}", text=text, published=day + timedelta(days=i), country="Syria",
                       title=f"Ambush near Sukhna ({i + 1})", source=f"Outlet {i + 1}", origin="warlog.cli.demo")
        ev = Event(doc_id=doc.id, event_date=day, time_precision=1, disorder_type="Political violence",
                   event_type="Battles", sub_event_type="Armed clash", actor1="Islamic State (Syria)", inter1=2,
                   actor2="Military Forces of Syria (2000-2024)", inter2=1, interaction="12", country="Syria",
                   iso3="SYR", admin1="Homs", location="Al-Sukhnah", latitude=34.88, longitude=38.87,
                   geo_precision=1, fatalities=toll, fatalities_low=toll if i == 0 else None,
                   fatalities_qualifier="at least" if i == 0 else None, reported_by="SOHR", confidence=0.8,
                   evidence=[Span(start=0, end=len(text), text=text)])
        out.append(Extraction(document=doc, events=[ev]))
    return out


def now() -> datetime:
    return datetime.now(timezone.utc)
