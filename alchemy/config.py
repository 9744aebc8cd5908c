"""Structured-config schemas, registered in Hydra's ConfigStore.

The YAML in conf/ supplies values; these dataclasses supply types and the set of legal keys,
so a misspelt key or a wrong type fails at start with a message that names the key.
Recipes (top-level recipes/*.yaml) are registered here as the `recipe` group, so they are
found from any working directory.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

ROOT = Path(__file__).resolve().parent.parent
CONF_DIR = ROOT / "conf"
RECIPES_DIR = ROOT / "recipes"


# ---- source: one optional entry per system, selected with source=[jira,documents] ----
@dataclass
class JiraSource:
    raw_dir: str | None = None  # no default: only source=sample points at the sample data
    url: str | None = None  # live pull (ingest): https://company.atlassian.net
    jql: str = "order by key"
    email_env: str = "JIRA_EMAIL"  # Cloud: e-mail + API token; Server/DC: token only (PAT)
    token_env: str = "JIRA_API_TOKEN"
    include_comments: bool = True
    deployment: str = "auto"  # auto | cloud | server (auto: cloud when the e-mail is set)
    api_version: int | None = None  # null: 3 (ADF) on Cloud, 2 (wiki markup) on Server/DC
    page_size: int = 50
    sync: str = "incremental"  # incremental | full | offline (live pulls)
    timeout_s: float = 30.0
    retries: int = 5
    max_wait_s: float = 900.0  # longest wait for a rate-limit reset before giving up
    base_url: str | None = None  # for issue links when exports lack "self"


@dataclass
class ConfluenceSource:
    raw_dir: str | None = None  # no default: only source=sample points at the sample data
    url: str | None = None  # live pull: https://company.atlassian.net/wiki
    spaces: list[str] = field(default_factory=list)
    cql: str | None = None  # pages matching a CQL query
    pages: list[str] = field(default_factory=list)  # page ids: each with all its child pages
    email_env: str = "CONFLUENCE_EMAIL"
    token_env: str = "CONFLUENCE_API_TOKEN"
    deployment: str = "auto"
    page_size: int = 50
    sync: str = "incremental"
    timeout_s: float = 30.0
    retries: int = 5
    max_wait_s: float = 900.0
    base_url: str | None = None


@dataclass
class GithubSource:
    raw_dir: str | None = None  # no default: only source=sample points at the sample data
    api_url: str = "https://api.github.com"
    repos: list[str] = field(default_factory=list)  # owner/name, for live pulls
    token_env: str = "GITHUB_TOKEN"
    since: str | None = None  # ISO date: the first pull starts at PRs updated since then
    per_page: int = 100
    sync: str = "incremental"
    timeout_s: float = 30.0
    retries: int = 5
    max_wait_s: float = 900.0  # longest wait for a rate-limit reset before giving up


@dataclass
class GitSource:
    raw_dir: str | None = None  # folder of repositories or *.bundle files (optional)
    repos: list[str] = field(default_factory=list)  # paths/globs: relative to raw_dir, else to the cwd
    include_diffs: bool = True
    max_diff_bytes: int = 20000
    sync: str = "incremental"  # incremental | full
    commit_url: str | None = None  # e.g. https://github.com/acme/{repo}/commit/{sha}


@dataclass
class DocumentsSource:
    raw_dir: str | None = None  # no default: only source=sample points at the sample data
    parser: str = "native"  # native | unstructured | auto (unstructured when installed)


@dataclass
class SourcesConfig:
    jira: JiraSource | None = None
    confluence: ConfluenceSource | None = None
    github: GithubSource | None = None
    git: GitSource | None = None
    documents: DocumentsSource | None = None


@dataclass
class EngineConfig:
    name: str = "auto"  # auto | python | spark
    workers: int | None = None  # python engine processes; null = every core
    master: str = "local[*]"  # Spark master URL: local[*], spark://host:7077, yarn, k8s://...
    conf: dict[str, Any] = field(default_factory=dict)  # any Spark setting, e.g. spark.driver.memory
    auto_spark_min_bytes: int = 1_000_000_000  # auto: below this much input, python
    output: str = "single"  # single: train.jsonl | partitioned: train/ folder of part files
    output_dir: str | None = None  # partitioned: where the parts go (path, s3a://, hdfs://)
    batch_bytes: int = 1_000_000  # python: records per phase-1 task, in bytes
    spill_bytes: int = 64_000_000  # python: sort buffer (all workers) before a run is spilled
    spill_dir: str | None = None  # python: where run files go; null = the stage's build folder


@dataclass
class SanitizerRule:
    """One extra detector in sanitizer.rules."""

    type: str = "???"  # the placeholder's type, UPPER_CASE: EMPLOYEE_ID gives <EMPLOYEE_ID_1>
    pattern: str = "???"  # a regex, e.g. 'EMP-\\d{6}'
    family: str = "secret"  # secret | pii: on and off with sanitizer.secrets / sanitizer.pii
    group: int = 0  # the regex group that is the value (0: the whole match)


@dataclass
class SanitizerConfig:
    enabled: bool = True
    mode: str = "mask"  # mask | redact | drop_record
    secrets: bool = True
    pii: bool = True
    names: bool = True  # person names that structured data gives (authors, mentions, ...)
    strict: bool = False  # looser value checks (plain-word passwords), wider key context
    entropy: float = 3.5  # bits/char a string after a key-like word needs to count as a key
    ner: bool = False  # also PERSON entities from an offline spaCy pipeline (if installed)
    ner_model: str = "en_core_web_sm"  # a spaCy pipeline package, loaded without download
    key_env: str = "ALCHEMY_SANITIZER_KEY"  # HMAC key for pseudonyms; else one kept in the cache
    stable_placeholders: bool = True  # a value keeps its <TYPE_n> across runs (keyed book in the cache)
    allowlist: list[str] = field(default_factory=list)  # regexes whose matches are never masked
    allow_values: list[str] = field(default_factory=list)  # exact values never masked
    rules: list[SanitizerRule] = field(default_factory=list)  # extra detectors (SanitizerRule)
    skip_types: list[str] = field(default_factory=list)  # detector types to switch off, e.g. [IP]
    ip_allow: list[str] = field(default_factory=list)  # networks never masked, e.g. [10.0.0.0/8]
    leak_gate: str = "auto"  # auto | kingfisher | detect-secrets | self | none
    fail_on_leak: bool = True


@dataclass
class SynthChunkConfig:
    max_tokens: int = 512  # approximate tokens per chunk sent to the generator
    overlap_tokens: int = 48  # tail of the previous piece repeated when a section is split
    min_tokens: int = 64  # smaller neighbouring pieces of one record are merged


@dataclass
class SynthPromptConfig:
    # Placeholders: {text} {title} {section} {source} {kind} {language} {min_pairs} {max_pairs};
    # repair: {broken}; retry: {reason}; judge: {text} {pairs}. Defaults: conf/synth/offline.yaml.
    system: str | None = None
    user: str = "{text}"
    repair: str = "Return this as valid JSON only.\n\n{broken}"
    retry: str = "That reply could not be used ({reason}). Reply again with JSON only."
    judge: str = ("Is each answer supported by the document? JSON only: {\"supported\": [...]}"
                  "\n\n{text}\n\n{pairs}")


@dataclass
class SynthConfig:
    generator: str = "offline"  # offline | litellm
    model: str = "offline-rules"
    api_base: str | None = None
    api_key_env: str | None = None  # name of the env var holding the key (never the key)
    concurrency: int = 8  # calls in flight
    min_pairs: int = 1
    max_pairs: int = 3
    max_answer_chars: int = 700
    eval_fraction: float = 0.15
    system_prompt: str | None = None  # system message written into every training pair
    seed: int = 0
    chunk: SynthChunkConfig = field(default_factory=SynthChunkConfig)
    prompt: SynthPromptConfig = field(default_factory=SynthPromptConfig)
    json_mode: bool | None = None  # response_format=json_object; null = where supported
    extra_params: dict[str, Any] = field(default_factory=dict)  # passed to litellm (api_version)
    temperature: float = 0.3
    max_tokens: int = 1024  # completion tokens per call
    timeout_s: float = 60.0  # hard deadline per call, connect to last byte
    max_retries: int = 5  # retries of one call on 429, 5xx, timeouts, connection errors
    backoff_s: float = 1.0  # first backoff; doubles per retry, with jitter
    backoff_max_s: float = 60.0
    max_attempts: int = 2  # calls per chunk while its response gives no usable pair
    rpm: int | None = None  # client-side requests per minute (null = unlimited)
    tpm: int | None = None  # client-side tokens per minute
    breaker_failures: int = 10  # consecutive failures that, together with ...
    breaker_window_s: float = 30.0  # ... this long without a success, stop the run
    max_cost_usd: float | None = None  # stop before spending more than this
    price_in_per_mtok: float | None = None  # override litellm's price table (USD per 1M tokens)
    price_out_per_mtok: float | None = None
    dry_run: bool = False  # estimate tokens and cost, call nothing
    min_overlap: float = 0.5  # share of an answer's words that must occur in its chunk
    judge: bool = False  # also ask the model whether each pair is supported by its chunk
    dedup_threshold: float = 0.8  # question similarity (Jaccard) above which a pair is dropped
    sections: bool = False  # offline: also whole-section pairs (recitation); always when no facts
    facts: bool = True  # offline: atomic facts, several questions each (synth/knowledge.py)
    questions_per_fact: int = 2  # training questions per fact; one more form is held out for eval
    max_facts_per_record: int = 60
    grounded_fraction: float = 0.06  # share of short-answer train pairs also written with passages (RAFT)
    grounded_no_oracle: float = 0.2  # of those, passages without the answer -> "the sources do not say"


@dataclass
class ModelConfig:
    name: str = "???"
    path: str = "???"  # hub id or local folder
    gguf: str | None = None  # GGUF file, or pkg:<package>/<file>; converted once into the cache
    random_init: bool = False
    dtype: str = "float32"
    chat_template: str = "chatml"
    system_prompt: str | None = None


@dataclass
class LoraConfig:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: Any = "all-linear"
    bias: str = "none"
    use_dora: bool = False
    use_rslora: bool = False


@dataclass
class TrainCptConfig:
    enabled: bool = False  # continued pretraining on train.jsonl before SFT (same adapter)
    max_steps: int = 20
    learning_rate: float = 2e-4
    max_length: int = 256  # documents are cut into blocks of this many tokens
    max_docs: int | None = None  # null = every document not held out for eval
    knowledge: bool = True  # also the synth stage's facts, as shuffled entity passages
    fact_repeats: int = 3  # times each fact appears in that text, in a new order each time


@dataclass
class TrainConfig:
    max_steps: int = 40
    num_train_epochs: float = 1.0
    per_device_train_batch_size: int = 4
    gradient_accumulation_steps: int = 1
    learning_rate: float = 2e-4
    lr_scheduler_type: str = "cosine"
    warmup_ratio: float = 0.05  # share of the steps spent warming up ...
    warmup_steps: int | None = None  # ... or this many steps (wins when set)
    max_length: int = 256
    packing: bool = False
    sampling: str = "group_by_length"  # random | group_by_length (less padding) | sequential
    gradient_checkpointing: bool = False
    logging_steps: int = 5
    seed: int = 42
    precision: str = "auto"  # auto | fp32 | bf16 | fp16
    device: str = "auto"  # auto | cpu | cuda | mps
    vram_gb: float | None = None  # the memory budget the option was sized for
    resume: str = "auto"  # auto: continue from the last checkpoint | never | a checkpoint path
    save_steps: int = 20  # checkpoint every N steps while training (0 = none, no resume)
    eval_steps: int | None = None  # eval during training (only when given an eval set)
    report_to: str = "none"  # none | tensorboard | mlflow (logs under the run folder)
    cpt: TrainCptConfig = field(default_factory=TrainCptConfig)


@dataclass
class CleanFilterConfig:
    min_words: int = 5  # fewer words: dropped (too_few_words)
    max_symbol_ratio: float = 1.0  # symbols per letter/digit above this: dropped (symbols)
    max_repeated_line_ratio: float = 0.5  # share of lines repeating an earlier line
    boilerplate: bool = True  # strip signatures, "Sent from...", disclaimers, bot comments
    languages: list[str] = field(default_factory=list)  # e.g. [en, de]; [] = no language check


@dataclass
class CleanNearDupConfig:
    enabled: bool = True
    threshold: float = 0.8  # estimated Jaccard of word shingles at which records are near duplicates
    num_perm: int = 128  # MinHash permutations
    shingle: int = 5  # words per shingle
    seed: int = 1
    bands: int | None = None  # LSH bands x rows; null = datasketch's optimum for the threshold
    rows: int | None = None


@dataclass
class CleanConfig:
    min_chars: int = 40
    max_chars: int = 200_000
    dedup: bool = True
    filters: CleanFilterConfig = field(default_factory=CleanFilterConfig)
    near_dup: CleanNearDupConfig = field(default_factory=CleanNearDupConfig)
    dropped_sample: int = 20  # sanitized examples per drop reason in dropped_sample.jsonl


@dataclass
class EvalConfig:
    max_samples: int = 48  # held-out pairs scored for loss/perplexity
    max_length: int = 256
    generate_samples: int = 8  # held-out questions answered by base and adapter (F1, ROUGE-L)
    max_new_tokens: int = 48
    repetition_penalty: float = 1.15
    text_samples: int = 16  # held-out train.jsonl documents for text perplexity (0 = off)
    plots: bool = True  # loss.png and eval.png in the run folder (needs matplotlib)
    questions: str | None = None  # fact questions (JSONL, or '- Q: ... A: ...' Markdown); null = none
    fact_max_new_tokens: int = 32  # reply length for fact questions (short answers are scored)
    unanswerable: int = 8  # questions also put with passages lacking their answer (abstention)
    general: bool = True  # forgetting guard: general questions the base model answers
    judge: str | None = None  # litellm model id of an LLM grader (SimpleQA-style); null = key terms
    judge_api_base: str | None = None
    judge_api_key_env: str | None = None  # NAME of the env var holding the judge's key
    judge_timeout_s: float = 30.0


@dataclass
class InferConfig:
    prompt: str | None = None  # null: no question (source=sample sets one, conf/sample_data.yaml)
    adapter: str | None = None  # path to an adapter folder; null = the newest trained
    max_new_tokens: int = 96
    repetition_penalty: float = 1.15
    chat: bool = False  # interactive chat on the console, streaming tokens (never cached)
    compare: bool = False  # also answer with the base model and show both side by side
    retrieval: str = "auto"  # auto: put retrieval.k passages first (unless retrieval.method=none) | none


@dataclass
class ServeConfig:
    host: str = "127.0.0.1"  # no authentication: anything else needs serve.allow_remote=true
    port: int = 8000  # 0 = any free port (logged)
    allow_remote: bool = False
    model_name: str = "alchemy"  # the id clients send as "model"
    max_tokens: int = 256  # reply length when a request names none
    limit_max_tokens: int = 2048  # the most a request may ask for (larger: 400)
    retrieval: str = "auto"  # auto: ground each question in the index | none
    max_requests: int | None = None  # stop after this many requests (null = until Ctrl-C)


@dataclass
class RetrievalConfig:
    method: str = "bm25"  # none | bm25 | dense | hybrid (dense: pip install -e ".[dense]")
    k: int = 3  # passages put in front of a question
    chunk_tokens: int = 120  # passage size (the synth chunker, smaller pieces)
    overlap_tokens: int = 24
    min_tokens: int = 24
    max_context_tokens: int = 360  # passages are trimmed, best first, to fit this many tokens
    dense_model: str = "sentence-transformers/all-MiniLM-L6-v2"  # hub id or folder
    rrf_k: int = 60  # hybrid: reciprocal rank fusion constant
    repetition_penalty: float = 1.0  # grounded answers copy from the passages: >1 punishes that


@dataclass
class ExportConfig:
    prompts: list[str] | None = None  # prompts for the merged-vs-unmerged check; null = built-in
    atol: float = 1e-3  # largest allowed |logit| difference between merged and base + adapter
    max_new_tokens: int = 24  # greedy text compared on each prompt
    device: str = "cpu"


@dataclass
class PathsConfig:
    root_dir: str = str(ROOT)
    data_dir: str = "${paths.root_dir}/data"
    cache_dir: str = "outputs/cache"


@dataclass
class PipelineConfig:
    stages: list[str] = field(
        default_factory=lambda: ["ingest", "clean", "index", "synth", "train", "eval", "infer"]
    )
    force: list[str] = field(default_factory=list)  # stages to recompute; [all] for every one


@dataclass
class AlchemyConfig:
    source: SourcesConfig = field(default_factory=SourcesConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    sanitizer: SanitizerConfig = field(default_factory=SanitizerConfig)
    synth: SynthConfig = field(default_factory=SynthConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    lora: LoraConfig = field(default_factory=LoraConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    clean: CleanConfig = field(default_factory=CleanConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    infer: InferConfig = field(default_factory=InferConfig)
    retrieval: RetrievalConfig = field(default_factory=RetrievalConfig)
    serve: ServeConfig = field(default_factory=ServeConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    paths: PathsConfig = field(default_factory=PathsConfig)
    pipeline: PipelineConfig = field(default_factory=PipelineConfig)


def schema_dict(schema: type, **values: Any) -> dict[str, Any]:
    """One section of the run config as plain data: every key of ``schema`` with its default
    (this module is their one owner) and ``values`` merged on, type-checked. For callers of the
    stages' library functions outside a run (tests, benchmarks): a run passes cfg.<section>."""
    merged = OmegaConf.merge(OmegaConf.structured(schema), values)
    return OmegaConf.to_container(merged, resolve=True)  # type: ignore[return-value]


def source_options(name: str, **values: Any) -> dict[str, Any]:
    """Source ``name``'s parser options as the engines pass them (``source.<name>`` as plain
    data: every key of its schema) with ``values`` merged on; outside a run: tests, benchmarks."""
    optional = typing.get_type_hints(SourcesConfig)[name]  # e.g. JiraSource | None
    schema = next(t for t in typing.get_args(optional) if t is not type(None))
    return schema_dict(schema, **values)


def register_configs(recipes_dir: Path = RECIPES_DIR) -> None:
    """Register the schema and every recipe with Hydra's ConfigStore (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="alchemy_schema", node=AlchemyConfig)
    for path in sorted(recipes_dir.glob("*.yaml")):
        node = OmegaConf.load(path)
        cs.store(group="recipe", name=path.stem, node=node, package="_global_")
