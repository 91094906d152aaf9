"""The authorization matrix: a world of personas and their objects (world.py), the expected
outcome of every route for each of them (rules.py), and the probes (test_authorization_matrix.py)."""
