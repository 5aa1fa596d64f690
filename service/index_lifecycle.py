"""Index lifecycle: is the stored index fresh, build it when it is not, load it for serving."""

from __future__ import annotations

import sys
from dataclasses import dataclass

from index.build import BuildParams, build_index, fingerprint
from index.chunk import ChunkerSettings
from index.corpus import Document, load_corpus
from index.dense import IvfParams
from index.embed import Embedder, load_embedder
from index.embed_cache import CachedEmbedder, cache_folder
from index.errors import CorpusError, IndexCorruptError, IndexMissingError, IndexStaleError
from index.manifest import Manifest, model_info
from index.multilingual import load_multilingual_embedder
from index.store import CorpusIndex, load_added, load_index, read_manifest, save_index
from index.update import UpdateParams
from service.settings import Settings

EMBED_CACHE_DIR = "embed-cache"  # under DATA_DIR: build embeddings by text hash (index/embed_cache.py)


@dataclass(frozen=True)
class IndexStatus:
    fresh: bool
    reasons: list[str]
    manifest: Manifest | None


def chunker_settings(settings: Settings) -> ChunkerSettings:
    return ChunkerSettings(settings.chunk_size, settings.chunk_overlap)


@dataclass(frozen=True)
class Corpus:
    """The seed articles plus the ones added at run time (kept with the current index)."""

    documents: dict[str, Document]
    added_ids: frozenset[str]


def load_documents(settings: Settings) -> Corpus:
    seeds = load_corpus(settings.seeds_dir)
    added = load_added(settings.data_dir)
    clash = sorted(set(seeds) & set(added))
    if clash:
        raise CorpusError(f"{', '.join(clash)} is both a seed article and an added document; remove it "
                          "with `runri remove ID` or rename the seed file")
    return Corpus({**seeds, **added}, frozenset(added))


def embedder_for(settings: Settings, compute: str = "float32") -> Embedder:
    """`compute`: the arithmetic; only a full build passes RUNRI_BUILD_COMPUTE, so a served
    process's live writes never load torch."""
    import faiss

    faiss.omp_set_num_threads(settings.faiss_threads)  # one thread beats two for single queries
    return load_embedder(settings.resolved_model_path(), settings.embed_batch_size, settings.torch_threads,
                         settings.model_precision, settings.onnx_dir, settings.build_threads or 1, compute)


def multilingual_embedder_for(settings: Settings, threads: int | None = None) -> Embedder | None:
    """The cross-lingual leg's encoder (multilingual USE), or None when the leg is off."""
    if settings.multilingual_leg == "off":
        return None
    return load_multilingual_embedder(threads or settings.multilingual_threads)


def milvus_config(settings: Settings):
    """How to reach Milvus, or None with the embedded FAISS backend."""
    if settings.backend != "milvus":
        return None
    from index.milvus import MilvusConfig

    token = settings.milvus_token.get_secret_value() if settings.milvus_token else None
    return MilvusConfig(settings.resolved_milvus_uri, token, settings.milvus_db, settings.milvus_collection_prefix,
                        settings.approximate_threshold, ivf_params(settings))


def expected_fingerprint(settings: Settings, corpus: Corpus):
    return fingerprint(corpus.documents, settings.resolved_model_path(), chunker_settings(settings),
                       settings.model_precision, settings.backend, multilingual=settings.multilingual_leg != "off")


def index_status(settings: Settings) -> IndexStatus:
    """Compare the stored manifest with the current corpus and settings, without loading the model."""
    corpus = load_documents(settings)
    expected = expected_fingerprint(settings, corpus)
    try:
        manifest = read_manifest(settings.data_dir)
    except IndexMissingError as exc:
        return IndexStatus(False, [exc.message], None)
    except IndexCorruptError as exc:
        return IndexStatus(False, [exc.message], None)
    reasons = manifest.stale_reasons(expected)
    return IndexStatus(not reasons, reasons, manifest)


def build(settings: Settings, force: bool = False, progress: bool = False,
          embedder: Embedder | None = None) -> tuple[CorpusIndex, bool]:
    """Return a fresh index, building and saving one only when needed (or when forced).
    The second value says whether a build happened. `embedder` defaults to the configured model
    (tests pass a small deterministic one, with `model_path` naming it)."""
    corpus, given = load_documents(settings), embedder
    if not force:
        try:
            return open_index(settings, corpus), False
        except (IndexMissingError, IndexStaleError, IndexCorruptError):
            pass
    params = BuildParams(
        chunker=chunker_settings(settings),
        approximate_threshold=settings.approximate_threshold,
        ivf=ivf_params(settings),
        precision=settings.model_precision,
        milvus=milvus_config(settings),
        chunk_storage=settings.chunk_vector_storage,
        sentence_storage=settings.sentence_vector_storage,
        compute=settings.resolved_build_compute if given is None else getattr(given, "compute", "float32"),
    )
    if settings.embed_cache:  # a rebuild embeds only the texts that changed, and loads no model if none did
        model = model_info(settings.resolved_model_path(), settings.model_precision)
        folder = cache_folder(settings.data_dir / EMBED_CACHE_DIR, model.config_sha256, settings.model_precision,
                              params.compute)
        embedder = (CachedEmbedder(embedder, folder) if embedder is not None else
                    CachedEmbedder(lambda: embedder_for(settings, params.compute), folder, model.dimension,
                                   model.name))
    else:
        embedder = embedder or embedder_for(settings, params.compute)
    if progress:  # the CLI's build: say what the silent seconds before the first bar are for
        print(f"building the index of {len(corpus.documents)} documents in {settings.data_dir}; loading the model...",
              file=sys.stderr, flush=True)
    build_threads = max(settings.multilingual_threads, settings.build_threads or 1)
    index = build_index(corpus.documents, embedder, settings.resolved_model_path(), params, progress,
                        corpus.added_ids, multilingual_embedder_for(settings, build_threads))
    save_index(index, settings.data_dir)
    if isinstance(embedder, CachedEmbedder):
        embedder.save()
    if params.compute != "float32" and settings.model_runtime == "onnxruntime" and given is None:
        export_query_model(settings)
    return index, True


def export_query_model(settings: Settings) -> None:
    """Leave the float32 ONNX export that queries run on in the cache. A float32 build makes it as it
    embeds; after a bfloat16 one, the first served process would otherwise load torch to make it."""
    from index import onnx_runtime

    model_path = settings.resolved_model_path()
    if onnx_runtime.supports_files(model_path) and not onnx_runtime.export_path(model_path, settings.onnx_dir).exists():
        embedder_for(settings)


def open_index(settings: Settings, corpus: Corpus | None = None) -> CorpusIndex:
    """Load the stored index, refusing a stale or corrupt one with a message that says how to rebuild."""
    corpus = corpus if corpus is not None else load_documents(settings)
    index = load_index(settings.data_dir, corpus.documents, expected_fingerprint(settings, corpus),
                       corpus.added_ids, milvus_config(settings), mapped_vectors=settings.map_vectors)
    index.backend.set_nprobe(settings.ivf_nprobe)
    if index.multilingual is not None:
        index.multilingual.set_nprobe(settings.ivf_nprobe)
    return index


def update_params(settings: Settings) -> UpdateParams:
    return UpdateParams(chunker_settings(settings), settings.approximate_threshold, ivf_params(settings))


def ivf_params(settings: Settings) -> IvfParams:
    return IvfParams(settings.ivf_nlist_per_sqrt_n, settings.ivf_nprobe)
