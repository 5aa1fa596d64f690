"""Index-side pipeline: load the corpus, chunk it, embed it, and persist FAISS + BM25 indexes."""
