"""runri-qa: question answering and quote lookup over a small news corpus, with exact citations."""
