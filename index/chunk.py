"""Chunk stage: split each article into overlapping passages that keep exact character offsets."""

from __future__ import annotations

from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from index.corpus import Document

# Paragraphs first, then lines, then sentence ends, then words. No "" separator, so a word is never cut.
SEPARATORS = [r"\n\n", r"\n", r"(?<=[.!?。])\s+", r" "]


@dataclass(frozen=True, slots=True)
class Chunk:
    """`doc.text[start:end] == text` always holds; `id` is the chunk's row in the indexes."""

    id: int
    doc_id: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class ChunkerSettings:
    chunk_size: int
    chunk_overlap: int

    def as_dict(self) -> dict:
        return {"chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap, "separators": SEPARATORS}


def chunk_documents(documents: list[Document], settings: ChunkerSettings, first_id: int = 0) -> list[Chunk]:
    """Chunks of every document in order, with consecutive ids starting at `first_id`."""
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        separators=SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        strip_whitespace=True,
        add_start_index=True,
    )
    chunks: list[Chunk] = []
    for doc in documents:
        for piece in splitter.create_documents([doc.text]):
            start = piece.metadata["start_index"]
            end = start + len(piece.page_content)
            if start < 0 or doc.text[start:end] != piece.page_content:
                raise AssertionError(f"chunker lost the offsets of a chunk of {doc.id} at {start}")
            chunks.append(Chunk(first_id + len(chunks), doc.id, start, end, piece.page_content))
    return chunks
