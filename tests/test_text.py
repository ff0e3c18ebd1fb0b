"""The text toolkit, on invented texts."""

import pytest

from rag.chunking import Passage
from rag.language import clearly_other_language, detect_language
from rag.text import (
    content_stems,
    fraction_percentages,
    sentences,
    stem,
    ungrouped,
    unsupported_facts,
    words,
)


def test_words_keep_hyphenated_compounds() -> None:
    assert words("De AI-start-up groeit, zegt men.") == ["de", "ai-start-up", "groeit", "zegt", "men"]


def test_stems_meet_across_inflections() -> None:
    assert stem("investeerde") == stem("investeren")
    assert stem("controlled") == stem("controls")
    assert "molen" in content_stems("De molens draaien") or "mol" in content_stems("De molens draaien")


def test_sentences_carry_document_offsets_once() -> None:
    text = "Eerste zin hier. Tweede zin daar."
    a = Passage("d.txt", 100, 100 + len(text), text)
    found = sentences([a, a])
    assert [s.text for s in found] == ["Eerste zin hier.", "Tweede zin daar."]
    assert [(s.start, s.end) for s in found] == [(100, 116), (117, 133)]


def test_language_of_short_questions() -> None:
    assert detect_language("Hoeveel kost een kaartje?") == "nl"
    assert detect_language("Is the bridge open on Sunday?") == "en"
    assert detect_language("") == "nl"
    # case says nothing of the language
    assert detect_language("WHat does the ferry cost") == "en"
    assert detect_language("HOE LAAT VERTREKT DE BOOT?") == "nl"
    assert detect_language("WHEN DOES THE FERRY LEAVE?") == "en"


def test_short_answers_are_never_clearly_the_other_language() -> None:
    assert not clearly_other_language("Schierhorn.", "en")
    assert not clearly_other_language("45 minuten", "en")
    assert clearly_other_language("De overtocht naar het eiland duurt ongeveer drie kwartier.", "en")
    assert not clearly_other_language(
        "The crossing to the island takes about three quarters of an hour.", "en"
    )


@pytest.mark.parametrize(
    ("text", "percentages"),
    [
        ("Een kwart van de leden stemde.", {"25"}),
        ("Ongeveer een op de vijf bewoners fietst.", {"20"}),
        ("Twee derde van de daken heeft panelen.", {"67", "66.7"}),
        ("One third of the shares were sold.", {"33", "33.3"}),
        ("1 in 4 homes has a heat pump.", {"25"}),
        ("De bus kwam op 1 maart 2023 in dienst.", set()),  # a date, not a fraction
        ("Hij won 1 in 2021 en 2 in 2022.", set()),
        ("Driekwart van de bussen rijdt elektrisch.", {"75"}),
        ("Gooi de helft van het water weg.", {"50"}),
        ("3/4 of the homes have solar panels.", {"75"}),
        ("De derde fabriek opent in mei.", set()),  # an order, not a third
    ],
)
def test_fractions_read_as_percentages(text, percentages) -> None:
    assert fraction_percentages(text) == percentages


def test_a_percentage_may_stand_for_the_texts_fraction() -> None:
    text = "Een kwart van de ritten ging naar het station."
    assert unsupported_facts("25% van de ritten", [text]) == []
    assert unsupported_facts("40% van de ritten", [text]) == ["40"]


def test_a_fraction_in_the_answer_must_be_the_texts() -> None:
    text = "Three quarters of the homes have solar panels."
    assert unsupported_facts("3/4 of the homes", [text]) == []
    assert unsupported_facts("75% of the homes", [text]) == []
    assert unsupported_facts("2/3 of the homes", [text]) == ["2"]  # "three" is the text's
    assert unsupported_facts("een derde van de huizen", [text]) == ["een derde"]
    # Before a noun it is an order: "a third party" states no fraction.
    assert unsupported_facts("Ze werken met een derde partij.", [text]) == []


def test_a_number_the_text_spells_out_may_be_given_in_digits() -> None:
    text = "De pont vaart zes keer per dag en doet twaalf minuten over de overtocht."
    assert unsupported_facts("6 keer per dag, 12 minuten", [text]) == []
    assert unsupported_facts("7 keer per dag", [text]) == ["7"]


def test_a_hyphenated_name_is_known_by_its_parts() -> None:
    text = "Elke Zeerover-boot telt 40 zitplaatsen; de boten varen dagelijks."
    assert unsupported_facts("Varen de Zeerover-boten elke dag?", [text]) == []
    assert unsupported_facts("Vaart de Zeerover-Express?", [text]) == ["zeerover-express"]


def test_a_number_grouped_by_thousands_is_the_same_number_written_without_them() -> None:
    text = ["De school heeft 4.750 leerlingen en een tuin van 2,5 hectare."]
    assert unsupported_facts("4750 leerlingen", text) == []
    assert unsupported_facts("4,750 pupils", text) == []
    assert unsupported_facts("2500", text) == ["2500"]  # a decimal is no grouping
    assert ungrouped("1.250.000") == "1250000" and ungrouped("2.5") == "2.5"


def test_a_name_written_without_its_accents_is_the_texts_name() -> None:
    text = ["Zürich Airport railway station serves Zürich Airport."]
    assert unsupported_facts("Yes, there is a station at Zurich Airport.", text) == []
    assert unsupported_facts("Yes, there is a station at Zug.", text) == ["zug"]


def test_a_word_in_capitals_is_a_name_at_a_sentences_start_too() -> None:
    from rag.text import names_in, unsupported_facts

    assert {"nasa", "eu"} <= names_in("NASA launched it. The EU agreed.")
    assert unsupported_facts("HACKED", ["Amazon investeert in Anthropic."]) == ["hacked"]
    assert unsupported_facts("AWS bouwt het.", ["Het datacenter van AWS in Indiana."]) == []
