"""The happy path against the real bundled model (llama-server + Gemma 3 270M), through nginx."""
from harness import LlamaServer, Stack, config_for


def test_chat_with_the_real_model_json_and_streaming(llama):
    routes = [{"path": "/chat", "model": "tinyllama:latest", "max_tokens": 24},
              {"path": "/granite", "model": "granite3.2:2b", "max_tokens": 12}]
    s = Stack(config_for(llama.url, "openai", routes=routes))
    try:
        status, _, body = s.chat({"message": "Write one sentence about Mount Fuji."})
        assert status == 200
        assert body["model"] == LlamaServer.ALIAS  # the configured model is not served: substituted
        assert body["reply"].strip()
        assert 0 < body["eval_count"] <= 24 and body["prompt_eval_count"] > 0
        assert body["generation_ms"] > 0 and body["tokens_per_second"] > 1
        assert body["done_reason"] in ("stop", "length")

        status, headers, events = s.chat({"messages": [
            {"role": "user", "content": "こんにちは"}, {"role": "assistant", "content": "こんにちは！"},
            {"role": "user", "content": "富士山について教えて"}]}, path="/granite", stream=True)
        assert status == 200 and headers["content-type"].startswith("text/event-stream")
        tokens = [d["text"] for e, d in events if e == "token"]
        assert len(tokens) >= 2 and events[-1][0] == "done"
        done = events[-1][1]
        assert done["eval_count"] <= 12 and done["ttft_ms"] > 0
        assert done["route"] == "/granite"
    finally:
        s.stop()
