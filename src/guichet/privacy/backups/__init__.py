"""Encrypted backups on several destinations, restore, restore drill (P03, P07, P14, P15).

Modules: ``archive`` (the encrypted container format), ``destinations`` (local directory, S3, SFTP),
``keystore`` (encrypted snapshots of the data keys, kept apart from the database dump),
``deletion_log`` (append-only log of erasures outside the main database), ``engine`` (backup,
listing, prune), ``restore`` and ``drill``, ``tasks`` (scheduled adapters).
"""
