"""Local stand-ins for the national systems (sign-in, payment platform, public service portal), so that every
flow runs with no network. Served only when NATIONAL_SIMULATORS is on; production settings refuse it."""
