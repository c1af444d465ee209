import pytest


@pytest.fixture
def citizen_client(client, portal):
    client.force_login(portal.citizen)
    return client
