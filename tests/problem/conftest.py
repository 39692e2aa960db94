"""Fixtures shared by the problem-reading tests."""

from __future__ import annotations

import pytest
import yaml

from rnnloss_cli.problem._yaml import make_loader

#: Both parsers rnnloss may read a file with: PyYAML's own, and libyaml's when it is built in.
PARSERS = [pytest.param(make_loader(yaml.SafeLoader), id="python")]
if hasattr(yaml, "CSafeLoader"):
    PARSERS.append(pytest.param(make_loader(yaml.CSafeLoader), id="libyaml"))


@pytest.fixture(params=PARSERS)
def loader(request):
    """Each of :data:`PARSERS` in turn."""
    return request.param
