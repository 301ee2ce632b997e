import pytest


@pytest.fixture(scope="session")
def chat_toy(tmp_path_factory):
    """The toy task as a chat model sees it (ChatML template, conversational prompts), warm-started
    once for every test that needs it; tests copy the dict and change what they need."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from rewardkit.rl.toy import toy_config

    return toy_config(tmp_path_factory.mktemp("chat"), chat=True)
