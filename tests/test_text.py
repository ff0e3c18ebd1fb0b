"""The text toolkit, on invented texts."""

from rag.chunking import Passage
from rag.language import clearly_other_language, detect_language
from rag.text import content_stems, sentences, stem, words


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


def test_short_answers_are_never_clearly_the_other_language() -> None:
    assert not clearly_other_language("Schierhorn.", "en")
    assert not clearly_other_language("45 minuten", "en")
    assert clearly_other_language("De overtocht naar het eiland duurt ongeveer drie kwartier.", "en")
    assert not clearly_other_language(
        "The crossing to the island takes about three quarters of an hour.", "en"
    )


class _WordCountEmbeddings:
    """A stand-in embedder: similar texts share words (enough for the matcher's logic)."""

    vocabulary = ("ferry", "sails", "times", "day", "crossing", "takes", "minutes", "veerboot")

    def embed_documents(self, texts):
        import math

        vectors = []
        for text in texts:
            v = [float(text.lower().count(w)) + 0.01 for w in self.vocabulary]
            norm = math.sqrt(sum(x * x for x in v))
            vectors.append([x / norm for x in v])
        return vectors


def test_a_paraphrase_matches_the_sentence_that_holds_its_numbers() -> None:
    from rag.evidence import SentenceMatcher

    text = "The ferry sails six times a day. The crossing takes 45 minutes. The ferry is 30 years old."
    passage = Passage("f.txt", 0, len(text), text)
    matcher = SentenceMatcher(_WordCountEmbeddings())
    found = sentences([passage])
    assert (
        matcher.nearest("the crossing takes minutes", found).sentence.text == "The crossing takes 45 minutes."
    )
    assert matcher.nearest("ferry is 30 years", found).sentence.text == "The ferry is 30 years old."
    assert matcher.nearest("", found) is None


def test_negations_in_both_languages() -> None:
    from rag.text import negates

    assert negates("Het wordt niet gebouwd.") and negates("Zonder vergunning.") and negates("It isn't open.")
    assert not negates("De nieuwe fabriek opent in mei.") and not negates("Nothingness")
