"""Event assembly through the real language layer, on reports written for these tests."""
from datetime import date

REPORT = """Al-Shabaab fighters ambushed an army convoy near Jowhar on Saturday, killing five soldiers, local officials said.

Somali soldiers patrol a street in Mogadishu in March 2019. Photo: Reuters

The convoy was travelling from Jowhar to Balcad when it was attacked. The militants also captured two soldiers.

Since January, at least 300 soldiers have been killed in al-Shabaab attacks in Middle Shabelle, according to a UN report.

The group is estimated to have 7,000-12,000 fighters.

Al-Shabaab was founded in 2006 and was driven out of Mogadishu in 2011.
"""


def test_one_incident_with_its_details_and_nothing_else(extract):
    result = extract(REPORT, published="2023-09-18")
    assert len(result.events) == 1, [e.sub_event_type for e in result.events]
    event = result.events[0]
    assert event.event_date == date(2023, 9, 16) and event.time_precision == 1
    assert (event.event_type, event.sub_event_type) == ("Battles", "Armed clash")
    assert "Shabaab" in event.actor1 and event.inter1 == 2
    assert event.actor2.startswith("Military Forces of Somalia") and event.inter2 == 1
    assert event.interaction == "12"
    assert event.fatalities == 5 and event.captured == 2
    assert event.country == "Somalia" and event.iso3 == "SOM"
    assert event.evidence and all(REPORT[s.start:s.end] == s.text for s in event.evidence)
    assert 0 < event.confidence <= 1


def test_tallies_and_estimates_are_claims_not_events(extract):
    result = extract(REPORT, published="2023-09-18")
    kinds = {(c.kind, c.value, c.low, c.high) for c in result.claims}
    assert ("tally", 300, 300, None) in kinds
    assert ("estimate", None, 7000, 12000) in kinds
    tally = next(c for c in result.claims if c.kind == "tally")
    assert tally.period_start == date(2023, 1, 1) and tally.source == "United Nations"


def test_last_week_is_a_week_precision_date(extract):
    text = "Last week, gunmen attacked a village in Zamfara state, killing 12 villagers, police said."
    event = extract(text, published="2022-06-15").events[0]
    assert event.event_date == date(2022, 6, 6) and event.time_precision == 2
    assert event.sub_event_type == "Attack" and event.civilian_targeting == "Civilian targeting"
    assert event.actor2 == "Civilians (Nigeria)" and event.inter2 == 7
    assert event.fatalities == 12


def test_no_casualties_reported_is_zero(extract):
    text = "On 3 March 2021, rebels shelled positions of the army near Kidal. No casualties were reported."
    event = extract(text, published="2021-03-04").events[0]
    assert event.sub_event_type == "Shelling/artillery/missile attack"
    assert event.fatalities == 0


def test_protest_and_riot(extract):
    peaceful = extract("On 2 May 2022, teachers protested in Nairobi demanding unpaid salaries.", "2022-05-02").events[0]
    assert (peaceful.sub_event_type, peaceful.actor1, peaceful.inter1) == ("Peaceful protest", "Protesters (Kenya)", 6)
    riot = extract("On 2 May 2022, protesters threw stones at police and burned tyres in Kisumu.", "2022-05-02").events[0]
    assert riot.event_type == "Riots"


def test_two_incidents_in_one_report(extract):
    text = ("On Monday, a roadside bomb killed three policemen in Kandahar. "
            "In a separate attack on Tuesday, gunmen killed two shopkeepers in Herat.")
    events = extract(text, published="2021-04-08").events
    assert len(events) == 2
    assert [e.event_date for e in events] == [date(2021, 4, 5), date(2021, 4, 6)]
    assert events[0].sub_event_type == "Remote explosive/landmine/IED" and events[0].fatalities == 3
    assert events[1].fatalities == 2


def test_disasters_are_not_conflict_events(extract):
    text = "Floods swept through villages in Sindh on Friday, killing at least 40 people, officials said."
    assert extract(text, published="2022-08-27").events == []


def test_history_is_not_news(extract):
    text = "The army recaptured the town of Palmyra from the Islamic State in March 2016, killing dozens of militants."
    assert extract(text, published="2024-02-01").events == []


def test_absolute_dates_work_without_publication_date(extract):
    event = extract("On 14 July 2019, an air strike hit a market in Maarat al-Numan, killing 20 civilians.").events[0]
    assert event.event_date == date(2019, 7, 14)
    assert event.sub_event_type == "Air/drone strike" and event.fatalities == 20


def test_dateline_headline_and_rising_toll(extract):
    text = ("Toll rises to 11 after militia raid on market in Ituri\n"
            "BUNIA, July 9 (Great Lakes Wire) - The death toll from a militia raid on a market in Djugu territory "
            "has risen to 11 civilians, local officials said on Tuesday.\n\n"
            "CODECO fighters attacked the market at Fataki late on Sunday, the officials said.\n")
    result = extract(text, published="2024-07-09")
    assert len(result.events) == 1
    event = result.events[0]
    assert event.fatalities == 11
    assert event.event_date == date(2024, 7, 7)  # Sunday, not the dateline's July 9
    assert event.location != "Bunia"  # the dateline is where the report was filed
    assert event.actor1.startswith("CODECO") and event.actor2 == "Civilians (Democratic Republic of Congo)"


def test_habitual_statements_are_not_incidents(extract):
    text = "Government warplanes regularly bomb rebel positions in the hills north of Hama."
    assert extract(text, published="2022-01-10").events == []
