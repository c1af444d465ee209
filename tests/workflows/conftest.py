import pytest

from tests.pki import Pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test CA with its leaders, agency seal, CRL and timestamping key, made once a module."""
    return Pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def trusted(settings, pki):
    """The province trusts the test CA and seals with its agency certificate."""
    pki.configure(settings)
    return pki
