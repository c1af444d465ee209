"""The national public service portal's sync: each dossier and its processing pushed to the portal, in order and
once, through outages (services, tasks); dossiers filed on the portal taken in (services.pull); the wire format in
wire.py, HTTP in client.py."""
