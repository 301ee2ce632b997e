import pytest

import rewardkit


@pytest.fixture
def inline_plugin():
    """Register plugin objects for one test and unregister them afterwards."""
    names = []

    def register(plugin, name):
        rewardkit.register_plugin(plugin, name=name)
        names.append(name)

    yield register
    for name in names:
        rewardkit.unregister_plugin(name)


def grade(spec, response, reference=None, **sample):
    return rewardkit.load_grader(spec).grade(rewardkit.Sample(response=response, reference=reference, **sample))
