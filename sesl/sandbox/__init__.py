"""The embedded AWS sandbox: a moto server on 127.0.0.1, seeded and with moto's gaps filled."""
