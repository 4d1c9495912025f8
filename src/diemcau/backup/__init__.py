"""Backups of a diemcau server and their restore: the database (a consistent snapshot taken while
the server runs) with the files that give it meaning (the secret key the national-ID hashes and
badge MACs depend on, the certificate signing key, materials, learning reports, certificate
templates), in one archive with a manifest of what it holds."""
