"""Chunking, prompts and the call cache: structure, token limits, overlap, provenance."""

from __future__ import annotations

import multiprocessing

from alchemy.synth.callcache import CallCache, call_key
from alchemy.synth.chunker import chunk_record, count_tokens, skip_reason
from alchemy.synth.prompts import check_template, detect_language, render

DOC = ("# Ledger runbook\n\nThe ledger-service listens on port 8443.\n\n"
       "## Restarts\n\n" + " ".join(f"Step {i}: restart pod {i} and wait for readiness." for i in
                                    range(60)) +
       "\n\n```bash\nkubectl rollout restart deploy/ledger\n\nkubectl get pods\n```\n\n"
       "## Tables\n\n| Service | Port |\n|---|---|\n" +
       "\n".join(f"| svc-{i} | {8000 + i} |" for i in range(40)) + "\n\n## Tiny\n\nShort bit.\n")
REC = {"id": "documents:runbook.md", "title": "Ledger runbook", "text": DOC, "kind": "document",
       "source": "documents", "url": "file://runbook.md"}


def test_chunks_follow_structure_fit_the_limit_and_keep_provenance() -> None:
    chunks = chunk_record(REC, max_tokens=120, overlap_tokens=20, min_tokens=30)
    assert len(chunks) > 5
    for c in chunks:
        assert DOC[c.start:c.end] == c.text  # an exact slice of the record
        assert c.tokens <= 120 and c.source_id == REC["id"] and c.url == "file://runbook.md"
        assert c.provenance()["chunk_id"] == f"{REC['id']}#{c.index}"
    assert [c.index for c in chunks] == list(range(len(chunks)))
    restarts = [c for c in chunks if c.section == "Ledger runbook > Restarts"]
    assert len(restarts) >= 3
    for a, b in zip(restarts, restarts[1:], strict=False):
        assert b.start < a.end  # the long section's pieces overlap
    code = [c for c in chunks if "kubectl rollout" in c.text]
    assert len(code) == 1 and "kubectl get pods" in code[0].text  # a code block stays whole
    later_rows = [c for c in chunks if c.text.startswith("| svc-")]
    assert later_rows and all("| Service | Port |" in c.context for c in later_rows)


def test_small_pieces_merge_and_hashes_are_stable() -> None:
    tiny = {"id": "x", "text": "# A\n\nOne line here.\n\n## B\n\nAnother line.\n\n## C\n\nThird."}
    chunks = chunk_record(tiny, max_tokens=100, overlap_tokens=10, min_tokens=30)
    assert len(chunks) == 1 and chunks[0].section == "A > B, C"
    assert chunks[0].hash == chunk_record(tiny, 100, 10, 30)[0].hash
    assert chunk_record({"id": "e", "text": ""}) == []


def test_huge_and_odd_inputs_are_split_or_skipped() -> None:
    blob = chunk_record({"id": "b", "text": "QUJD" * 50_000}, max_tokens=256)
    assert len(blob) > 10 and all(c.tokens <= 256 for c in blob)
    assert skip_reason(blob[0]) == "chunk_not_text"
    assert skip_reason(chunk_record({"id": "s", "text": "# Hi\n\nok"})[0]) == "chunk_too_small"
    cjk = chunk_record({"id": "j", "text": "日本語の文章です。" * 300}, max_tokens=100)
    assert all(c.tokens <= 100 for c in cjk) and len(cjk) > 5
    assert count_tokens("The ledger-service listens on port 8443.") in range(7, 14)


def test_prompt_rendering_and_language() -> None:
    assert render('{"pairs": []} {text} {unknown}', text="T") == '{"pairs": []} T {unknown}'
    assert detect_language("The service is restarted by the on-call engineer and it is fine "
                           "for the team.") == "English"
    assert detect_language("Der Dienst wird von der Bereitschaft neu gestartet und ist nicht "
                           "für die Kunden sichtbar, wenn das Team es sagt.") == "German"
    assert detect_language("Le service est redémarré par l'équipe et il est dans la zone pour "
                           "les clients avec une alerte.") == "French"
    assert detect_language("サービスを再起動します。チームに連絡してください。") == "Japanese"

    class P:
        user, repair = "no placeholder", "{broken}"
    assert "{text}" in check_template(P())


def _writer(path: str, start: int) -> None:
    cache = CallCache(path)
    for i in range(start, start + 50):
        cache.put(f"k{i}", f"reply {i}", chunk_id=str(i))
    cache.close()


def test_call_cache_is_durable_and_shared_by_processes(tmp_path) -> None:
    path = tmp_path / "c" / "calls.sqlite"
    k = call_key("h", "m", [{"role": "user", "content": "x"}], {"t": 0}, "generate")
    assert k == call_key("h", "m", [{"role": "user", "content": "x"}], {"t": 0}, "generate")
    assert k != call_key("h", "m", [{"role": "user", "content": "x"}], {"t": 1}, "generate")
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), s)) for s in (0, 50)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]  # both opened a brand-new database at once
    cache = CallCache(path)
    assert len(cache) == 100 and cache.get("k73")["content"] == "reply 73"
    assert cache.get("nope") is None
