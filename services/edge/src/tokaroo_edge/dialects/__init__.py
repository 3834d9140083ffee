"""The client-facing API dialects besides OpenAI chat completions, each a pure translation
to and from the canonical `ChatCompletionRequest` / chat.completion the pipeline serves."""
