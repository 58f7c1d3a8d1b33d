"""Per-site furniture learning: recurring blocks go, standing reporting and copies stay."""

from __future__ import annotations

from extractors.sitelearn import (SiteProfile, body_lines, build_profile, fingerprint, line_rows, speaks_of_outlet,
                                  strip_site_furniture)

LEADS = [
    "Nvidia applied for licences to resume H20 shipments to Chinese customers after the Commerce Department changed course in July.",
    "Malaysian prosecutors charged two executives with diverting servers that contained restricted accelerators to buyers in China.",
    "Huawei began shipping its Ascend 910C accelerator to large Chinese cloud providers, according to three people familiar with the deliveries.",
    "Dutch officials said they would align their licensing rules for deep ultraviolet lithography tools with the latest American measures.",
]
SECOND = [
    "Analysts said the licence fees would weigh on margins but restore a market worth billions of dollars a year to the company.",
    "The case is the first in the country to involve export-controlled chips and could lead to sentences of up to ten years in prison.",
    "The company did not respond to questions about production volumes at the plants run by its partner SMIC in Shanghai.",
    "The change affects a handful of machine types and comes after months of talks between The Hague and officials in Washington.",
]
BACKGROUND = ("The United States first restricted sales of advanced artificial intelligence chips to China in October 2022 "
              "and has tightened the rules several times since then.")


def site_pages(with_background: tuple[int, ...] = ()) -> dict[str, str]:
    pages = {}
    for i in range(4):
        body = ["Technology | Semiconductors", LEADS[i], SECOND[i]]
        if i in with_background:
            body.append(BACKGROUND)
        body += ["Get the best of our reporting in your inbox every weekday morning.", "Recommended for you",
                 f"Opinion: what the latest twist means for markets ({i})", f"Five charts that explain the trade war {i}"]
        pages[f"p{i}"] = "\n".join(body)
    return pages


def clean_all(pages: dict[str, str]) -> dict[str, str]:
    profile = build_profile({pid: line_rows(text) for pid, text in pages.items()})
    return {pid: strip_site_furniture(text, profile).text for pid, text in pages.items()}


def test_recurring_furniture_goes_from_every_page_and_bodies_stay():
    cleaned = clean_all(site_pages())
    for i, text in enumerate(cleaned.values()):
        assert text.split("\n") == [LEADS[i], SECOND[i]]


def test_a_standing_background_paragraph_is_content():
    cleaned = clean_all(site_pages(with_background=(0, 1, 2)))
    for i in range(3):
        assert BACKGROUND in cleaned[f"p{i}"]
        assert "inbox" not in cleaned[f"p{i}"]


def test_two_copies_of_one_story_do_not_erase_each_other():
    story = "\n".join(["Short subhead", LEADS[0], SECOND[0], "A short closing line"])
    cleaned = clean_all({"a": story, "b": story + "\nCorrection: an earlier version misstated the date."})
    assert cleaned["a"] == story


def test_one_page_teaches_nothing():
    text = "\n".join(["Label", LEADS[0], "Subscribe to our newsletter"])
    assert strip_site_furniture(text, SiteProfile()).text == text
    assert clean_all({"only": text})["only"] == text


# --- an outlet's standing text (issue 15): one shared paragraph does not make its pages one story ---

STANDING = ("Acme Oak Works is a family firm that has built solid oak furniture in Holmes County, Ohio, "
            "since 1998, and ships to every state from its workshop.")
ADDRESS = "1200 County Road 77, Millersburg, OH 44654"
REVIEWS = "4.9 out of 5 stars from 1,284 reviews"
STORIES = [[LEADS[i], SECOND[i]] for i in range(4)]


def outlet_pages(n: int = 4) -> dict[str, str]:
    return {f"acme{i}": "\n".join(STORIES[i] + [STANDING, ADDRESS, REVIEWS]) for i in range(n)}


def clean_outlet(pages: dict[str, str], names=("Acme Oak Works",)) -> dict[str, str]:
    profile = build_profile({pid: line_rows(text, names) for pid, text in pages.items()})
    return {pid: strip_site_furniture(text, profile).text for pid, text in pages.items()}


def test_an_outlets_standing_text_address_and_reviews_are_learnt():
    cleaned = clean_outlet(outlet_pages())
    for i, text in enumerate(cleaned.values()):
        assert text.split("\n") == STORIES[i]


def test_one_shared_paragraph_does_not_merge_stories():
    """Three pages of one outlet among nine of a domain: the rule that merged pages sharing one
    prose line made the outlet's pages one story, so nothing of theirs ever recurred."""
    pages = outlet_pages(3)
    for j in range(6):
        pages[f"other{j}"] = "\n".join([LEADS[j % 4].replace("Chinese", f"regional ({j})"), SECOND[j % 4] + f" ({j})"])
    profile = build_profile({pid: line_rows(text) for pid, text in pages.items()})
    assert profile.counts[fingerprint(ADDRESS)] == 3  # the outlet's three stories count three times
    assert strip_site_furniture(pages["acme0"], profile).text.split("\n") == STORIES[0] + [STANDING]


def test_an_outlet_with_two_stories_teaches_nothing():
    pages = outlet_pages(2)
    assert clean_outlet(pages) == {pid: "\n".join(body_lines(text)) for pid, text in pages.items()}


def test_a_standing_paragraph_that_names_someone_else_stays():
    """A recurring background paragraph of reporting is content even when the outlet has names."""
    cleaned = clean_all_named(site_pages(with_background=(0, 1, 2)), ("Chip Policy Wire",))
    for i in range(3):
        assert BACKGROUND in cleaned[f"p{i}"]


def clean_all_named(pages: dict[str, str], names) -> dict[str, str]:
    profile = build_profile({pid: line_rows(text, names) for pid, text in pages.items()})
    return {pid: strip_site_furniture(text, profile).text for pid, text in pages.items()}


def test_speaks_of_outlet():
    assert speaks_of_outlet(STANDING, ["Acme Oak Works"])
    assert speaks_of_outlet("The Daily Ledger has covered Holmes County since 1901 and is owned by its staff.",
                            ["The Daily Ledger"])
    assert speaks_of_outlet(STANDING, ["acme oak"])  # the domain's label
    assert not speaks_of_outlet(BACKGROUND, ["Chip Policy Wire", "chipwire"])
