from warlog.extract.counts import find_counts, reports_no_casualties


def kinds(text):
    return [(c.best, c.low, c.high, c.qualifier, sorted(c.kinds)) for c in find_counts(text)]


def test_digits_and_words_with_what_they_count():
    assert kinds("Gunmen killed 12 villagers and wounded seven others.") == [
        (12, None, None, "exact", ["killed"]), (7, None, None, "exact", ["injured"])]


def test_qualifiers_and_ranges():
    assert kinds("The raid left at least 23 people dead.") == [(23, 23, None, "at least", ["killed"])]
    assert kinds("The militia is thought to number 1,500-2,000 fighters.")[0][:4] == (1500, 1500, 2000, "range")
    assert kinds("About forty soldiers were killed.") == [(40, None, None, "about", ["killed"])]


def test_vague_counts_follow_acled_conventions():
    assert kinds("Dozens of protesters were injured.") == [(12, None, None, "vague", ["injured"])]
    assert kinds("Several civilians were killed in the shelling.") == [(10, None, None, "vague", ["killed"])]


def test_captives_executed_are_both_captured_and_killed():
    got = kinds("The militants seized five policemen and later executed them.")
    assert got == [(5, None, None, "exact", ["captured", "killed"])]


def test_single_person():
    assert kinds("A shepherd was killed by a landmine.") == [(1, None, None, "exact", ["killed"])]


def test_numbers_that_are_not_people():
    assert kinds("Fighters fired 120mm mortars for 3 hours on 4 June 2022 from 2 km away.") == []


def test_no_casualties():
    assert reports_no_casualties("No casualties were reported.")
    assert reports_no_casualties("Nobody was hurt in the blast.")
    assert not reports_no_casualties("Two people were hurt in the blast.")
