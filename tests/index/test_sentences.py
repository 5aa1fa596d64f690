from index.sentences import split_sentences


def _texts(text: str) -> list[str]:
    return [text[s.start:s.end] for s in split_sentences(text)]


def test_splits_on_sentence_ends_and_lines_with_exact_offsets():
    text = "First one. Second one!\nA heading\n“Quoted?” she asked. Done."
    assert _texts(text) == ["First one.", "Second one!", "A heading", "“Quoted?” she asked.", "Done."]


def test_does_not_split_abbreviations_or_lowercase_continuations():
    text = "Pressure from U.S. tariffs persists. Mr. Ma moved. It cost $2.4mn in total."
    assert _texts(text) == ["Pressure from U.S. tariffs persists.", "Mr. Ma moved.", "It cost $2.4mn in total."]


def test_spaced_ellipsis_stays_inside_its_sentence():
    text = "I keep hearing Chinese being spoken everywhere . . . That wasn’t why I left.”"
    assert _texts(text) == ["I keep hearing Chinese being spoken everywhere . . .", "That wasn’t why I left.”"]


def test_spans_can_be_restricted_to_a_window():
    text = "Alpha beta. Gamma delta. Epsilon."
    spans = split_sentences(text, 12, 24)
    assert [(s.start, s.end) for s in spans] == [(12, 24)]
