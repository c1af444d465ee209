"""PAdES signatures: validating a signed result against the province's trust roots, and sealing what OneStop
issues with the agency's certificate (a PKCS#12 file or a key on a PKCS#11 token) and a timestamp. Knows no dossier."""

import asyncio
from concurrent.futures import ThreadPoolExecutor


def outside_event_loop(function, *args, **kwargs):
    """Calls one of pyHanko's synchronous functions, which start an event loop of their own: in a thread of its own
    when this one already runs a loop (an async server, a browser driver in the tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()
