"""Structured-config schemas, registered in Hydra's ConfigStore.

These dataclasses are the one owner of every setting: its type, its default (the value the
default run uses unless an option says otherwise) and the comment that explains it. The YAML in
conf/ and recipes/ holds only what an option or experiment changes, so a misspelt key or a wrong
type fails at start with a message that names the key, and the code reads every key as it is
(no defaults of its own; tests/test_config_keys.py checks both).
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
    """Jira issues: REST v2 (wiki markup) or v3 (ADF) exports, or a live pull with JQL."""

    raw_dir: str | None = None  # folder of exports (needed unless pulling live); source=sample sets one
    url: str | None = None  # set for a live pull (ingest): https://company.atlassian.net
    jql: str = "order by key"  # which issues a live pull fetches
    email_env: str = "JIRA_EMAIL"  # Cloud: e-mail + API token; Server/DC: a token only (PAT)
    token_env: str = "JIRA_API_TOKEN"  # name of the variable holding the token, never the token
    include_comments: bool = True
    deployment: str = "auto"  # auto | cloud | server (auto: cloud when the e-mail is set)
    api_version: int | None = None  # null: 3 (ADF) on Cloud, 2 (wiki markup) on Server/DC
    page_size: int = 50
    sync: str = "incremental"  # incremental (only what changed) | full | offline (live pulls)
    timeout_s: float = 30.0
    retries: int = 5  # on 429/5xx and network errors, honouring Retry-After
    max_wait_s: float = 900.0  # longest wait for a rate-limit reset before giving up
    base_url: str | None = None  # for issue links when exports lack "self"


@dataclass
class ConfluenceSource:
    """Confluence pages in storage format (REST content API JSON or an HTML space export)."""

    raw_dir: str | None = None  # folder of exports (needed unless pulling live); source=sample sets one
    url: str | None = None  # set for a live pull: https://company.atlassian.net/wiki
    spaces: list[str] = field(default_factory=list)  # space keys to pull
    cql: str | None = None  # or the pages matching a CQL query
    pages: list[str] = field(default_factory=list)  # or page ids: each with all its child pages
    email_env: str = "CONFLUENCE_EMAIL"  # Cloud: e-mail + API token; Server/DC: a token only (PAT)
    token_env: str = "CONFLUENCE_API_TOKEN"
    deployment: str = "auto"  # auto | cloud | server
    page_size: int = 50
    sync: str = "incremental"  # incremental (lastModified) | full | offline
    timeout_s: float = 30.0
    retries: int = 5
    max_wait_s: float = 900.0
    base_url: str | None = None  # for page links when exports lack _links.base


@dataclass
class GithubSource:
    """GitHub pull requests with reviews and comments (REST API JSON exports or a live pull)."""

    raw_dir: str | None = None  # folder of exports (needed unless pulling live); source=sample sets one
    api_url: str = "https://api.github.com"  # GitHub Enterprise: https://HOST/api/v3
    repos: list[str] = field(default_factory=list)  # owner/name; set for a live pull
    token_env: str = "GITHUB_TOKEN"  # name of the variable holding the token
    since: str | None = None  # ISO date: the first pull starts at PRs updated since then, later ones
    # go on from the last
    per_page: int = 100
    sync: str = "incremental"  # incremental (since the last pull) | full | offline
    timeout_s: float = 30.0
    retries: int = 5
    max_wait_s: float = 900.0  # longest wait for a rate-limit reset before giving up


@dataclass
class GitSource:
    """Local git repositories (folders or *.bundle files): commit messages, authors, diffs."""

    raw_dir: str | None = None  # a folder of repositories/bundles (repos: [] reads them all)
    # paths or globs of repositories/bundles: absolute, or relative to raw_dir when set, else to
    # the working directory
    repos: list[str] = field(default_factory=list)
    include_diffs: bool = True
    max_diff_bytes: int = 20000  # diffs longer than this are cut, with a marker
    sync: str = "incremental"  # incremental (new commits only) | full
    commit_url: str | None = None  # e.g. https://github.com/acme/{repo}/commit/{sha}


@dataclass
class DocumentsSource:
    """Manuals and notes: PDF, DOCX, PPTX, Markdown, reStructuredText, plain text, HTML, e-mail."""

    raw_dir: str | None = None  # folder of documents (required); only source=sample sets one
    # native: pypdf/python-docx/python-pptx/e-mail parsers | unstructured: pip install
    # 'alchemy[unstructured]' (PDF also needs unstructured's [pdf] extra) | auto: unstructured per
    # format when it is installed and can read it, else native
    parser: str = "native"


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
    workers: int | None = None  # python engine processes; null = every core, 1 = in this process
    master: str = "local[*]"  # Spark master URL: local[*], spark://host:7077, yarn, k8s://...
    conf: dict[str, Any] = field(default_factory=dict)  # any Spark setting, e.g. spark.driver.memory
    auto_spark_min_bytes: int = 1_000_000_000  # auto: below this much input (1 GB), python
    output: str = "single"  # single: one train.jsonl | partitioned: train/ part files (cluster scale)
    output_dir: str | None = None  # partitioned: where the parts go (path, s3a://, hdfs://)
    batch_bytes: int = 1_000_000  # python: records per phase-1 task, in bytes
    spill_bytes: int = 64_000_000  # python: sort buffer (all workers) before a run is spilled
    spill_dir: str | None = None  # python: where run files go; null = the stage's build folder


@dataclass
class SanitizerRule:
    """One extra detector in sanitizer.rules."""

    type: str = "???"  # the placeholder's type, UPPER_CASE: EMPLOYEE_ID gives <EMPLOYEE_ID_1>
    pattern: str = "???"  # a regex, e.g. 'EMP-\d{6}'
    family: str = "secret"  # secret | pii: on and off with sanitizer.secrets / sanitizer.pii
    group: int = 0  # the regex group that is the value (0: the whole match)


@dataclass
class SanitizerConfig:
    enabled: bool = True
    mode: str = "mask"  # mask (typed placeholders <EMAIL_1>) | redact (<EMAIL>) | drop_record
    secrets: bool = True  # cloud/VCS/CI/chat/LLM keys, JWTs, PEM blocks, URL/header/assignment credentials
    pii: bool = True  # e-mails, phones, IPs, cards (Luhn), IBANs (mod 97), US SSNs
    names: bool = True  # people named by structured data (authors, assignees, mentions), run-wide
    strict: bool = False  # plain-word passwords count, wider key context (looser value checks)
    entropy: float = 3.5  # bits/char a string after a key-like word needs to count as a key
    ner: bool = False  # also PERSON entities from an offline spaCy pipeline (if installed)
    ner_model: str = "en_core_web_sm"  # a spaCy pipeline package; never downloaded at run time
    # HMAC key for pseudonyms (the same value on every machine: the same pseudonyms); unset: a
    # random key per run, so placeholders are numbered per run
    key_env: str = "ALCHEMY_SANITIZER_KEY"
    stable_placeholders: bool = True  # a value keeps its <TYPE_n> across runs (digests only, in the cache)
    allowlist: list[str] = field(default_factory=list)  # regexes whose full matches are never masked,
    # e.g. ['support@acme\.com']
    allow_values: list[str] = field(default_factory=list)  # exact values never masked
    # extra detectors, e.g. [{type: EMPLOYEE_ID, pattern: 'EMP-\d{6}', family: pii}]
    rules: list[SanitizerRule] = field(default_factory=list)
    skip_types: list[str] = field(default_factory=list)  # detector types to switch off, e.g. [IP]
    # networks kept (loopback, 0.0.0.0, the RFC 5737/3849 documentation ranges always are);
    # private ranges are masked: ['10.0.0.0/8','172.16.0.0/12','192.168.0.0/16'] keeps them
    ip_allow: list[str] = field(default_factory=list)
    # independent re-scan after masking: auto (kingfisher, else detect-secrets, else self) |
    # kingfisher | detect-secrets | self | none
    leak_gate: str = "auto"
    fail_on_leak: bool = True  # the leak gate fails the run when anything survives


@dataclass
class SynthChunkConfig:
    """LLM generators: what one call sees."""

    max_tokens: int = 512  # approximate tokens per chunk sent to the generator
    overlap_tokens: int = 48  # tail of the previous piece repeated when a long section is split
    min_tokens: int = 64  # smaller neighbouring pieces of one record are merged


_PAIRS_SHAPE = '{"pairs": [{"question": "...", "answer": "..."}]}'


@dataclass
class SynthPromptConfig:
    """The LLM generators' prompts. Placeholders: {text} {title} {section} {source} {kind}
    {language} {min_pairs} {max_pairs}; repair: {broken}; retry: {reason}; judge: {text} {pairs}."""

    system: str | None = (
        "You write question/answer pairs that teach a model a company's internal knowledge. Use only"
        " facts stated in the document. Never invent names, numbers, addresses or other values. Text in"
        " angle brackets such as <PERSON_1> or <EMAIL_2> is a masked value: copy it exactly, never"
        " replace or guess it.")
    user: str = (
        "Write between {min_pairs} and {max_pairs} question/answer pairs about the document below,"
        ' from {source} ({kind}) "{title}", section "{section}".\n'
        "- Each question must make sense on its own: name the service, system, issue or page it is"
        " about.\n"
        "- Each answer must be fully supported by the document; reuse its wording, numbers and"
        " identifiers.\n"
        "- Write the pairs in {language}, the language of the document.\n"
        '- If the document holds nothing worth learning, return {"pairs": []}.\n'
        f"Reply with JSON only, in this shape: {_PAIRS_SHAPE}\n\n"
        "<document>\n{text}\n</document>")
    repair: str = (
        f"The text below was meant to be JSON of the shape {_PAIRS_SHAPE} but does not parse."
        " Return it as valid JSON of that shape, changing nothing else. Reply with the JSON only."
        "\n\n{broken}")
    retry: str = (
        "That reply could not be used ({reason}). Reply again with JSON only, in the shape asked for:"
        " between {min_pairs} and {max_pairs} pairs, each a real question with an answer taken from"
        " the document.")
    judge: str = (
        "For each question/answer pair below, say whether the answer is fully supported by the"
        ' document. Reply with JSON only: {"supported": [true, false, ...]}, one entry per pair, in'
        " order.\n\n<document>\n{text}\n</document>\n\nPairs:\n{pairs}")


@dataclass
class SynthConfig:
    generator: str = "offline"  # offline (rules, no network) | litellm (synth=deepseek|openai|local)
    model: str = "offline-rules"  # litellm model id for the LLM options, e.g. deepseek/deepseek-chat
    api_base: str | None = None  # null: litellm's default endpoint for the model
    api_key_env: str | None = None  # NAME of the env var holding the key; the key never enters config
    concurrency: int = 8  # calls in flight
    min_pairs: int = 1
    max_pairs: int = 3  # pairs per chunk (a section, a table row, an issue, a PR)
    max_answer_chars: int = 700  # offline answers are cut at a sentence boundary below this
    eval_fraction: float = 0.15  # share of source documents held out for sft_eval.jsonl
    system_prompt: str | None = None  # system message written into every training pair
    seed: int = 0
    chunk: SynthChunkConfig = field(default_factory=SynthChunkConfig)
    prompt: SynthPromptConfig = field(default_factory=SynthPromptConfig)
    # ---- LLM generators only (synth=deepseek|openai|local) ----
    json_mode: bool | None = None  # response_format=json_object; null = where litellm says it works
    extra_params: dict[str, Any] = field(default_factory=dict)  # more litellm arguments, e.g.
    # {api_version: "2024-10-21"} for Azure
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
    max_cost_usd: float | None = None  # stop before spending more (prices: litellm's offline table)
    price_in_per_mtok: float | None = None  # override litellm's price table (USD per 1M tokens)
    price_out_per_mtok: float | None = None
    dry_run: bool = False  # estimate tokens and cost, call nothing (pipeline.stages=[synth])
    # ---- every generator, and judge (LLM) ----
    min_overlap: float = 0.5  # share of an answer's words that must occur in its chunk
    judge: bool = False  # LLM: also ask the model whether each pair is supported by its chunk
    dedup_threshold: float = 0.8  # drop a question this similar (word Jaccard) to an earlier one
    sections: bool = False  # offline: also whole-section pairs (recitation); always when no facts
    facts: bool = True  # offline: atomic facts, several questions each (synth/knowledge.py)
    questions_per_fact: int = 2  # training questions per fact; one more form is held out for eval
    max_facts_per_record: int = 60
    grounded_fraction: float = 0.15  # share of short-answer train pairs also written with passages (RAFT)
    grounded_no_oracle: float = 0.2  # of those, passages without the answer -> "the sources do not say"


@dataclass
class ModelConfig:
    name: str = "???"
    path: str = "???"  # hub id or local folder
    gguf: str | None = None  # GGUF file, or pkg:<package>/<file>; converted once into the cache
    random_init: bool = False
    dtype: str = "float32"  # float32 | bfloat16 | float16 | auto (bf16/fp16 on GPU, fp32 on CPU)
    # chatml (ChatML with {% generation %} markers: loss on answers only) | zephyr
    chat_template: str = "chatml"
    system_prompt: str | None = None  # the template's default system turn; null = the template's own


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
    lean_loss: bool = True  # answer-token cross-entropy (train/lean.py); false: TRL's fused head
    sampling: str = "group_by_length"  # random | group_by_length (less padding) | sequential
    gradient_checkpointing: bool = False
    logging_steps: int = 5
    seed: int = 42
    precision: str = "auto"  # auto (GPU: bf16 where supported, else fp16; CPU: fp32) | fp32 | bf16 | fp16
    device: str = "auto"  # auto | cpu | cuda | mps
    vram_gb: float | None = None  # the memory budget the option was sized for
    resume: str = "auto"  # auto: continue a killed run from its last checkpoint | never | a checkpoint path
    save_steps: int = 20  # checkpoint every N steps (kept in the cache until training ends; 0 = none)
    eval_steps: int | None = None  # eval during training (only when given an eval set)
    # none | tensorboard | mlflow | "tensorboard,mlflow" (offline): tensorboard -> <run dir>/tensorboard/
    # (pip install tensorboard); mlflow -> file:<run or sweep dir>/mlruns unless MLFLOW_TRACKING_URI is
    # set (pip install mlflow-skinny); see alchemy/train/tracking.py
    report_to: str = "none"
    cpt: TrainCptConfig = field(default_factory=TrainCptConfig)


@dataclass
class CleanFilterConfig:
    """Quality filters; every drop is counted by reason in report.json."""

    min_words: int = 5  # fewer words: dropped (too_few_words)
    max_symbol_ratio: float = 1.0  # symbols per letter/digit above this: dropped (symbols)
    max_repeated_line_ratio: float = 0.5  # share of lines repeating an earlier line
    boilerplate: bool = True  # strip signatures, "Sent from...", disclaimers, bot comments
    languages: list[str] = field(default_factory=list)  # e.g. [en]: prose in others dropped; [] = no check


@dataclass
class CleanNearDupConfig:
    """MinHash LSH over word shingles (datasketch's hash family)."""

    enabled: bool = True
    threshold: float = 0.8  # estimated Jaccard of word shingles at which records are near duplicates
    num_perm: int = 128  # MinHash permutations
    shingle: int = 5  # words per shingle
    seed: int = 1
    bands: int | None = None  # LSH bands x rows; null = datasketch's optimum for the threshold
    rows: int | None = None


@dataclass
class CleanConfig:
    min_chars: int = 40  # shorter records are dropped (counted in report.json)
    max_chars: int = 200_000  # longer records are truncated at a paragraph boundary
    dedup: bool = True  # exact dedup on normalised text (the smallest id is kept)
    filters: CleanFilterConfig = field(default_factory=CleanFilterConfig)
    near_dup: CleanNearDupConfig = field(default_factory=CleanNearDupConfig)
    dropped_sample: int = 20  # sanitized examples per drop reason in dropped_sample.jsonl


@dataclass
class EvalConfig:
    max_samples: int = 48  # held-out pairs scored for loss/perplexity, base and base + adapter
    max_length: int = 256
    generate_samples: int = 8  # held-out questions answered greedily by base and adapter (F1, ROUGE-L)
    max_new_tokens: int = 48
    repetition_penalty: float = 1.15
    text_samples: int = 16  # held-out train.jsonl documents for text perplexity (0 = off)
    plots: bool = True  # loss.png and eval.png in the run folder (needs matplotlib)
    questions: str | None = None  # fact questions (JSONL, or '- Q: ... A: ...' lines as in
    # data/FACTS.md); null = none (source=sample sets the sample company's, conf/sample_data.yaml)
    fact_max_new_tokens: int = 32  # reply length for fact questions (short answers are scored)
    unanswerable: int = 24  # questions also put with passages lacking their answer (abstention)
    general: bool = True  # forgetting guard: general questions the base model answers
    judge: str | None = None  # litellm model id of an LLM grader (SimpleQA-style); null = key terms
    judge_api_base: str | None = None
    judge_api_key_env: str | None = None  # NAME of the env var holding the judge's key
    judge_timeout_s: float = 30.0


@dataclass
class InferConfig:
    prompt: str | None = None  # the question; null: none (source=sample sets one, conf/sample_data.yaml)
    adapter: str | None = None  # an adapter folder; null = this run's adapter, else the newest trained
    max_new_tokens: int = 96
    repetition_penalty: float = 1.15  # >1 keeps small models from looping (greedy decoding)
    chat: bool = False  # interactive chat on the console, tokens streamed, an empty line ends (never cached)
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
    k: int = 5  # passages put in front of a question
    # ... cut to the sentences that share the rarest terms with it (0 = whole passages): on
    # SmolLM2-135M, 8 sentences of 5 passages (~220 tokens) beat 3 whole ones (~240 tokens)
    evidence_sentences: int = 8
    chunk_tokens: int = 120  # passage size (the synth chunker, smaller pieces)
    overlap_tokens: int = 24
    min_tokens: int = 24
    max_context_tokens: int = 360  # passages are trimmed, best first, to fit this many tokens
    dense_model: str = "sentence-transformers/all-MiniLM-L6-v2"  # hub id or folder
    rrf_k: int = 60  # hybrid: reciprocal rank fusion constant
    repetition_penalty: float = 1.0  # grounded answers copy from the passages: >1 punishes that
    # decline without generating when no retrieved passage names an identifier the question
    # names (ledger-service, OPS-139, LP_DB_URL): a 135M reader otherwise answers anyway
    abstain: bool = True


@dataclass
class ExportConfig:
    prompts: list[str] | None = None  # prompts for the merged-vs-unmerged check; null = built-in
    atol: float = 1e-3  # largest allowed |logit| difference between merged and base + adapter
    max_new_tokens: int = 24  # greedy text on each prompt, which must also be identical
    device: str = "cpu"


@dataclass
class PathsConfig:
    root_dir: str = str(ROOT)
    data_dir: str = "${paths.root_dir}/data"
    cache_dir: str = "outputs/cache"  # stage artifacts, shared by runs and sweeps


@dataclass
class PipelineConfig:
    stages: list[str] = field(
        default_factory=lambda: ["ingest", "clean", "index", "synth", "train", "eval", "infer"]
    )
    force: list[str] = field(default_factory=list)  # stages recomputed even when cached; [all] for every one


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
